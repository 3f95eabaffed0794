"""The two-sided Kolmogorov–Smirnov distribution as ``scipy.stats.kstwo.sf`` computes it, without scipy.stats.

``ks_2samp``'s asymptotic p-value is ``kstwo.sf(d, round(n1·n2/(n1+n2)))``. Importing
``scipy.stats`` for it costs ~1.4 s of CPU (bench/drift.md), more than a tenth of a
1M-row drift run, while the function itself is a few dozen lines of numpy on top of
``scipy.special``. This module is that code: ``kstwo_sf`` follows scipy 1.17's
``scipy/stats/_ksstats.py`` (``_kolmogn`` and the Durbin/MTW, Pomeranz and Pelz–Good
methods it chooses from, after Simard & L'Ecuyer 2011) line for line, with the same
numpy scalar arithmetic, so its results are bit-identical to scipy's (tests/test_ksdist.py
compares them with ``==``). scipy is BSD-3-licensed: Copyright (c) 2001-2002 Enthought,
Inc. 2003, SciPy Developers; the algorithms and constants below are theirs.

``binom_pmf`` is the Boost binomial pmf that ``scipy.stats.binom.pmf`` itself calls,
reached through ``scipy.special`` (where scipy keeps it) instead of through scipy.stats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special

_E128 = 128
_EP128 = np.ldexp(np.longdouble(1), _E128)
_EM128 = np.ldexp(np.longdouble(1), -_E128)

_SQRT2PI = np.sqrt(2 * np.pi)
_LOG_2PI = np.log(2 * np.pi)
_MIN_LOG = -708
_SQRT3 = np.sqrt(3)
_PI_SQUARED = np.pi**2
_PI_FOUR = np.pi**4
_PI_SIX = np.pi**6

# If B_m are the Bernoulli numbers, the Stirling coefficients are B_{2j}/(2j)/(2j-1), j = 8..1.
_STIRLING_COEFFS = [
    -2.955065359477124183e-2,
    6.4102564102564102564e-3,
    -1.9175269175269175269e-3,
    8.4175084175084175084e-4,
    -5.952380952380952381e-4,
    7.9365079365079365079e-4,
    -2.7777777777777777778e-3,
    8.3333333333333333333e-2,
]


def kstwo_sf(x: float, n: float) -> float:
    """P(D_n > x) for the two-sided one-sample KS statistic: ``scipy.stats.kstwo.sf(x, n)``.

    ``n`` must be a positive whole number (``ks_2samp`` passes a rounded float). The
    support checks are ``rv_continuous.sf``'s: 1 at or below 1/(2n), 0 at or above 1.
    """
    n_int = int(n)
    if n_int != n or n_int < 1:
        raise ValueError(f"n must be a positive whole number, not {n}")
    xf = np.float64(x)
    if np.isnan(xf):
        return float("nan")
    if xf <= 0.5 / np.float64(n):
        return 1.0
    if xf >= 1.0:
        return 0.0
    return float(_kolmogn(n_int, xf, cdf=False))


def binom_pmf(k: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """``scipy.stats.binom.pmf(k, n, p)`` for whole 0 ≤ k ≤ n and 0 ≤ p ≤ 1 (the same Boost function)."""
    ufunc = getattr(scipy.special, "_binom_pmf", None) or _private_binom_pmf()
    if ufunc is None:  # a scipy that keeps it elsewhere: the public (slower to import) route
        from scipy.stats import binom

        return binom.pmf(k, n, p)
    return np.clip(ufunc(k, n, p), 0, 1)


def _private_binom_pmf() -> Any:
    try:
        from scipy.special import _ufuncs
    except ImportError:  # pragma: no cover - every supported scipy has it
        return None
    return getattr(_ufuncs, "_binom_pmf", None)


# ---------------------------------------------------------------- scipy's _ksstats.py, sf path


def _log_nfactorial_div_n_pow_n(n: int) -> Any:
    # log(n! / n**n) by Stirling, n·log(n) removed up front to avoid cancellation
    rn = 1.0 / n
    return np.log(n) / 2 - n + _LOG_2PI / 2 + rn * np.polyval(_STIRLING_COEFFS, rn / n)


def _clip_prob(p: Any) -> Any:
    return np.clip(p, 0.0, 1.0)


def _select_and_clip_prob(cdfprob: Any, sfprob: Any, cdf: bool = True) -> Any:
    return _clip_prob(np.where(cdf, cdfprob, sfprob))


def _kolmogn_dmtw(n: int, d: Any, cdf: bool = True) -> Any:
    """Pr(D_n <= d) by the Marsaglia–Tsang–Wang form of Durbin's matrix algorithm."""
    if d >= 1.0:
        return _select_and_clip_prob(1.0, 0.0, cdf)
    nd = n * d
    if nd <= 0.5:
        return _select_and_clip_prob(0.0, 1.0, cdf)
    k = int(np.ceil(nd))
    h = k - nd
    m = 2 * k - 1

    big_h = np.zeros([m, m])
    intm = np.arange(1, m + 1)
    v = 1.0 - h**intm
    w = np.empty(m)
    fac = 1.0
    for j in intm:
        w[j - 1] = fac
        fac /= j
        v[j - 1] *= fac
    tt = max(2 * h - 1.0, 0) ** m - 2 * h**m
    v[-1] = (1.0 + tt) * fac

    for i in range(1, m):
        big_h[i - 1 :, i] = w[: m - i + 1]
    big_h[:, 0] = v
    big_h[-1, :] = np.flip(v, axis=0)

    h_power = np.eye(np.shape(big_h)[0])
    nn = n
    expnt = 0
    h_expnt = 0
    while nn > 0:
        if nn % 2:
            h_power = np.matmul(h_power, big_h)
            expnt += h_expnt
        big_h = np.matmul(big_h, big_h)
        h_expnt *= 2
        if np.abs(big_h[k - 1, k - 1]) > _EP128:
            big_h /= _EP128
            h_expnt += _E128
        nn = nn // 2

    p = h_power[k - 1, k - 1]
    for i in range(1, n + 1):
        p = i * p / n
        if np.abs(p) < _EM128:
            p *= _EP128
            expnt -= _E128
    if expnt != 0:
        p = np.ldexp(p, expnt)
    return _select_and_clip_prob(p, 1.0 - p, cdf)


def _pomeranz_compute_j1j2(i: int, n: int, ll: int, ceilf: int, roundf: int) -> tuple[int, int]:
    if i == 0:
        j1, j2 = -ll - ceilf - 1, ll + ceilf - 1
    else:
        ip1div2, ip1mod2 = divmod(i + 1, 2)
        if ip1mod2 == 0:
            if ip1div2 == n + 1:
                j1, j2 = n - ll - ceilf - 1, n + ll + ceilf - 1
            else:
                j1, j2 = ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1
        else:
            j1, j2 = ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1
    return max(j1 + 2, 0), min(j2, n)


def _kolmogn_pomeranz(n: int, x: Any, cdf: bool = True) -> Any:
    """Pr(D_n <= x) by Pomeranz's recursion (two rows of Poisson-like convolutions)."""
    t = n * x
    ll = int(np.floor(t))
    f = 1.0 * (t - ll)
    g = min(f, 1.0 - f)
    ceilf = 1 if f > 0 else 0
    roundf = 1 if f > 0.5 else 0
    npwrs = 2 * (ll + 1)
    gpower = np.empty(npwrs)
    twogpower = np.empty(npwrs)
    onem2gpower = np.empty(npwrs)
    gpower[0] = 1.0
    twogpower[0] = 1.0
    onem2gpower[0] = 1.0
    expnt = 0
    g_over_n, two_g_over_n, one_minus_two_g_over_n = g / n, 2 * g / n, (1 - 2 * g) / n
    for m in range(1, npwrs):
        gpower[m] = gpower[m - 1] * g_over_n / m
        twogpower[m] = twogpower[m - 1] * two_g_over_n / m
        onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / m

    v0 = np.zeros([npwrs])
    v1 = np.zeros([npwrs])
    v1[0] = 1
    v0s, v1s = 0, 0
    j1, j2 = _pomeranz_compute_j1j2(0, n, ll, ceilf, roundf)
    for i in range(1, 2 * n + 2):
        k1 = j1
        v0, v1 = v1, v0
        v0s, v1s = v1s, v0s
        v1.fill(0.0)
        j1, j2 = _pomeranz_compute_j1j2(i, n, ll, ceilf, roundf)
        if i == 1 or i == 2 * n + 1:
            pwrs = gpower
        else:
            pwrs = twogpower if i % 2 else onem2gpower
        ln2 = j2 - k1 + 1
        if ln2 > 0:
            conv = np.convolve(v0[k1 - v0s : k1 - v0s + ln2], pwrs[:ln2])
            conv_start = j1 - k1
            conv_len = j2 - j1 + 1
            v1[:conv_len] = conv[conv_start : conv_start + conv_len]
            if 0 < np.max(v1) < _EM128:
                v1 *= _EP128
                expnt -= _E128
            v1s = v0s + j1 - k1

    ans = v1[n - v1s]
    for m in range(1, n + 1):
        if np.abs(ans) > _EP128:
            ans *= _EM128
            expnt += _E128
        ans *= m
    if expnt != 0:
        ans = np.ldexp(ans, expnt)
    return _select_and_clip_prob(ans, 1.0 - ans, cdf)


def _kolmogn_pelzgood(n: int, x: Any, cdf: bool = True) -> Any:
    """The Pelz–Good approximation to Pr(D_n <= x) (Li-Chien/Korolyuk via Jacobi theta functions)."""
    if x <= 0.0:
        return _select_and_clip_prob(0.0, 1.0, cdf=cdf)
    if x >= 1.0:
        return _select_and_clip_prob(1.0, 0.0, cdf=cdf)

    z = np.sqrt(n) * x
    zsquared, zthree, zfour, zsix = z**2, z**3, z**4, z**6

    qlog = -_PI_SQUARED / 8 / zsquared
    if qlog < _MIN_LOG:
        return _select_and_clip_prob(0.0, 1.0, cdf=cdf)
    q = np.exp(qlog)

    k1a = -zsquared
    k1b = _PI_SQUARED / 4
    k2a = 6 * zsix + 2 * zfour
    k2b = (2 * zfour - 5 * zsquared) * _PI_SQUARED / 4
    k2c = _PI_FOUR * (1 - 2 * zsquared) / 16
    k3d = _PI_SIX * (5 - 30 * zsquared) / 64
    k3c = _PI_FOUR * (-60 * zsquared + 212 * zfour) / 16
    k3b = _PI_SQUARED * (135 * zfour - 96 * zsix) / 4
    k3a = -30 * zsix - 90 * z**8

    k0to3 = np.zeros(4)
    maxk = int(np.ceil(16 * z / np.pi))
    for k in range(maxk, 0, -1):
        m = 2 * k - 1
        msquared, mfour, msix = m**2, m**4, m**6
        qpower = np.power(q, 8 * k)
        coeffs = np.array(
            [
                1.0,
                k1a + k1b * msquared,
                k2a + k2b * msquared + k2c * mfour,
                k3a + k3b * msquared + k3c * mfour + k3d * msix,
            ]
        )
        k0to3 *= qpower
        k0to3 += coeffs
    k0to3 *= q
    k0to3 *= _SQRT2PI
    k0to3 /= np.array([z, 6 * zfour, 72 * z**7, 6480 * z**10])

    q = np.exp(-_PI_SQUARED / 2 / zsquared)
    ks = np.arange(maxk, 0, -1)
    ksquared = ks**2
    sqrt3z = _SQRT3 * z
    kspi = np.pi * ks
    qpwers = q**ksquared
    k2extra = np.sum(ksquared * qpwers)
    k2extra *= _PI_SQUARED * _SQRT2PI / (-36 * zthree)
    k0to3[2] += k2extra
    k3extra = np.sum((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwers)
    k3extra *= _PI_SQUARED * _SQRT2PI / (216 * zsix)
    k0to3[3] += k3extra
    powers_of_n = np.power(n * 1.0, np.arange(len(k0to3)) / 2.0)
    k0to3 /= powers_of_n

    if not cdf:
        k0to3 *= -1
        k0to3[0] += 1
    return sum(k0to3)


def _kolmogn(n: int, x: Any, cdf: bool = True) -> Any:
    """CDF (or SF) of the two-sided statistic: scipy's choice of method by n and n·x² (Simard–L'Ecuyer)."""
    if x >= 1.0:
        return _select_and_clip_prob(1.0, 0.0, cdf=cdf)
    if x <= 0.0:
        return _select_and_clip_prob(0.0, 1.0, cdf=cdf)
    t = n * x
    if t <= 1.0:  # Ruben–Gambino: 1/2n <= x <= 1/n
        if t <= 0.5:
            return _select_and_clip_prob(0.0, 1.0, cdf=cdf)
        if n <= 140:
            prob = np.prod(np.arange(1, n + 1) * (1.0 / n) * (2 * t - 1))
        else:
            prob = np.exp(_log_nfactorial_div_n_pow_n(n) + n * np.log(2 * t - 1))
        return _select_and_clip_prob(prob, 1.0 - prob, cdf=cdf)
    if t >= n - 1:  # Ruben–Gambino
        prob = 2 * (1.0 - x) ** n
        return _select_and_clip_prob(1 - prob, prob, cdf=cdf)
    if x >= 0.5:  # exact: 2 * smirnov
        prob = 2 * scipy.special.smirnov(n, x)
        return _select_and_clip_prob(1.0 - prob, prob, cdf=cdf)

    nxsquared = t * x
    if n <= 140:
        if nxsquared <= 0.754693:
            prob = _kolmogn_dmtw(n, x, cdf=True)
            return _select_and_clip_prob(prob, 1.0 - prob, cdf=cdf)
        if nxsquared <= 4:
            prob = _kolmogn_pomeranz(n, x, cdf=True)
            return _select_and_clip_prob(prob, 1.0 - prob, cdf=cdf)
        prob = 2 * scipy.special.smirnov(n, x)  # Miller's approximation
        return _select_and_clip_prob(1.0 - prob, prob, cdf=cdf)

    if not cdf:  # the SF has its own cut-offs on n·x²
        if nxsquared >= 370.0:
            return 0.0
        if nxsquared >= 2.2:
            return _clip_prob(2 * scipy.special.smirnov(n, x))
    if nxsquared >= 18.0:
        cdfprob = 1.0
    elif n <= 100000 and n * x**1.5 <= 1.4:
        cdfprob = _kolmogn_dmtw(n, x, cdf=True)
    else:
        cdfprob = _kolmogn_pelzgood(n, x, cdf=True)
    return _select_and_clip_prob(cdfprob, 1.0 - cdfprob, cdf=cdf)
