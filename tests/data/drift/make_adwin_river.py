"""Run river's ADWIN on small generated streams; write the streams and river's detections as JSON."""

import json
import random
import sys

import numpy as np
import river
from river import drift

rng = np.random.default_rng(2024)
streams = {}
streams["errors_rate_change"] = [
    int(v) for v in np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.4])
]
streams["errors_three_phases"] = [
    int(v) for v in np.concatenate([rng.random(1500) < 0.2, rng.random(1500) < 0.3, rng.random(1500) < 0.05])
]
streams["numeric_mean_shift"] = [
    round(float(v), 6)
    for v in np.concatenate([rng.normal(0, 1, 1500), rng.normal(1.0, 1, 1500), rng.normal(-0.5, 2, 1000)])
]
streams["numeric_no_change"] = [round(float(v), 6) for v in rng.normal(5, 0.5, 3000)]
r = random.Random(12345)
streams["river_docstring"] = r.choices([0, 1], k=1000) + r.choices(range(4, 8), k=1000)
configs = [
    ("default", {}),
    ("sensitive", {"delta": 0.05, "clock": 8, "grace_period": 20, "min_window_length": 10, "max_buckets": 3}),
]
out = {"tool": f"river {river.__version__}", "python": sys.version.split()[0], "cases": []}
for name, values in streams.items():
    for cname, params in configs:
        det = drift.ADWIN(**params)
        hits = []
        for i, v in enumerate(values):
            det.update(v)
            if det.drift_detected:
                hits.append({"index": i, "width": int(det.width), "estimation": det.estimation})
        out["cases"].append({"stream": name, "config": cname, "params": params, "detections": hits})
out["streams"] = streams
with open(sys.argv[1], "w") as handle:
    json.dump(out, handle, indent=None, separators=(",", ":"))
for c in out["cases"]:
    print(c["stream"], c["config"], [h["index"] for h in c["detections"]])
