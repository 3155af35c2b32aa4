"""kpitools.demo."""

from __future__ import annotations

from .company import (
    COMPANY_NAME,
    DEFAULT_SEED,
    MARKETING_KPIS,
    SALES_KPIS,
    DemoCompany,
    demo_data,
    make_demo_company,
    run_demo,
    write_demo,
)

__all__ = [
    "COMPANY_NAME",
    "DEFAULT_SEED",
    "DemoCompany",
    "MARKETING_KPIS",
    "SALES_KPIS",
    "demo_data",
    "make_demo_company",
    "run_demo",
    "write_demo",
]
