"""Small geometry shared by the paged readers (PDF text layer and OCR)."""
from __future__ import annotations


def cluster_means(values: list[float], tol: float) -> list[float]:
    """Distinct coordinates: values within `tol` of the previous one are one line, at their mean."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]
