"""Live what-if of one bonus scheme on history (:class:`SchemeExplorer`, ipywidgets 8).

A control on every lever of the scheme (:func:`~kpitools.whatif.scheme_controls`); moving
one evaluates the new scheme (:class:`~kpitools.whatif.evaluate.Evaluator`: the fast path
unless targets change) and redraws the figures
(:class:`~kpitools.whatif.views.SchemeViews`) and the metrics table. Every control maps to
one transformation of the spec (:meth:`kpitools.scheme.Scheme.set`), so what the explorer
shows is exactly what ``kpitools simulate`` computes for the scheme it saves.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from .._util.files import atomic_write, safe_name
from .._util.format import money
from ..engine import run_scheme
from ..errors import KpitoolsError
from ..scheme import load_scheme, tidy_number
from .controls import scheme_controls
from .evaluate import Evaluator
from .explorer import Explorer, slider
from .scheme_html import caption_html, data_info, headline_html, metrics_html, payments_html
from .stress_view import StressView
from .views import PANELS, SchemeViews

__all__ = ["SchemeExplorer"]


def _rules(scheme: Any) -> list[Any]:
    """The payout rules (curves, commissions) of a scheme as plain data."""
    return [c.payout_rule.model_dump(mode="json") for c in scheme.components]


def _slug(name: str) -> str:
    """A file name from a scheme name: ``Tiered bonus`` → ``tiered_bonus``."""
    return safe_name(name).lower().replace(" ", "_")


def _group_title(scheme: Any, group: str) -> str:
    """The heading of a group of controls: the scheme, or a component and its kind."""
    if group == "scheme":
        return "Scheme"
    i = int(group.split(".")[1])
    comp = scheme.components[i]
    kind = (
        "commission"
        if comp.commission is not None
        else (next(iter(type(comp.curve).model_fields)) + " curve")
    )
    return f"Component {i}: {comp.name or comp.kpi} ({kind})"


class SchemeExplorer(Explorer):
    """What-if explorer of one bonus scheme on historical data (an ipywidgets app).

    Parameters
    ----------
    data : DataFrame or path
        Historical data (long or wide; loaded with :func:`kpitools.data.load`).
    scheme : Scheme, mapping or path
        The scheme to start from (a YAML file or a :class:`kpitools.scheme.Scheme`).
    periods : str, optional
        Periods to evaluate, ``"FROM..TO"`` (as ``kpitools simulate --periods``).
    library : Library, path or False, optional
        KPI library (directions, aggregations); the shipped one by default.
    roster : Roster, path or DataFrame, optional
        Who is who, as for :func:`kpitools.simulate`: pay per person (``on_target_pay:
        {from: roster}``, ``{pct_of_salary: r}``) and proration from hire and leave dates
        and ``fte`` (docs/plan-mechanics.md) are then evaluated live.

    Attributes
    ----------
    controls : dict
        Control name → ipywidgets slider (see :func:`scheme_controls` for the names, e.g.
        ``on_target_pay``, ``cap``, ``components.0.threshold``). Setting ``.value`` from code
        updates the explorer synchronously.
    specs : dict
        Control name → :class:`ControlSpec` (how each control changes the scheme).
    scheme : Scheme
        The scheme as the controls have set it.
    start_scheme : Scheme
        The scheme the explorer started from (winners and losers are counted against it).
    metrics : pandas.Series
        The metrics (docs/commands.md) of :attr:`scheme` (``metrics["total_cost"]`` …).
    start_metrics : pandas.Series
        The same for :attr:`start_scheme`.
    error : str or None
        Why the last change was refused (the control went back to its value), or None.
    payment_employee : ipywidgets.Dropdown
        The employee whose payments are shown, when the scheme uses a plan mechanic
        (``true_up``, ``draw``, ``clawback``, proration); hidden otherwise.
    payments : pandas.DataFrame
        That employee's payments under the current scheme (:meth:`payments_of`).
    stress : StressView
        The gaming stress test of the current scheme: ``stress.toggle.value = True`` runs
        it on every change, ``stress.result`` holds it (docs/gaming-stress-test.md).
    widget : ipywidgets.VBox
        The app; the explorer displays as it in a notebook.

    Examples
    --------
    >>> from kpitools.demo import make_demo_company  # doctest: +SKIP
    >>> ex = SchemeExplorer(make_demo_company().data,
    ...                     "templates/schemes/tiered_accelerator.yaml")  # doctest: +SKIP
    >>> ex.controls["cap"].value = 1.5  # doctest: +SKIP
    >>> ex.metrics["total_cost"] < ex.start_metrics["total_cost"]  # doctest: +SKIP
    True
    >>> ex.save("capped.yaml")  # doctest: +SKIP
    """

    def __init__(
        self,
        data: Any,
        scheme: Any,
        *,
        periods: str | None = None,
        library: Any = None,
        roster: Any = None,
    ):
        super().__init__()
        self._engine = Evaluator(data, periods=periods, library=library, roster=roster)
        self.start_scheme = load_scheme(scheme)
        self._start = self._engine.evaluate(self.start_scheme)
        self._now = self._start
        cost = self._start.cost_by_period
        budget_max = 3.0 * max(
            float(cost.mean()) if len(cost) else 0.0, float(self.start_scheme.budget or 0.0)
        )
        self.specs = scheme_controls(self.start_scheme, budget_max=budget_max)
        self.currency = self.start_scheme.currency or ""
        self._views = SchemeViews(self._start, self.currency)
        self._build()
        self._refresh(curves=True)

    # ----------------------------------------------------------------- public API
    @property
    def scheme(self) -> Any:
        """The current scheme (a new object after every change)."""
        return self._now.scheme

    @property
    def metrics(self) -> Any:
        """The metrics (docs/commands.md) of the current scheme (a copy)."""
        return self._now.metrics.copy()

    @property
    def start_metrics(self) -> Any:
        """The metrics (docs/commands.md) of the scheme the explorer started from (a copy)."""
        return self._start.metrics.copy()

    @property
    def winners_losers(self) -> Any:
        """Per employee: total pay under the start scheme and now, and the difference."""
        seen = self._start.evaluated | self._now.evaluated
        base, now = self._start.by_employee[seen], self._now.by_employee[seen]
        diff = now - base
        outcome = np.where(diff >= 0.5, "winner", np.where(diff <= -0.5, "loser", "unchanged"))
        return pd.DataFrame(
            {
                "employee": self._engine.employees[seen],
                "start_total": base,
                "total": now,
                "difference": diff,
                "outcome": outcome,
            }
        )

    @property
    def uses_mechanics(self) -> bool:
        """Whether the current scheme pays over time or prorates: payments are then shown."""
        return self._now.arrays.steps is not None or self._now.inputs.proration is not None

    @property
    def payments(self) -> Any:
        """The selected employee's payments under the current scheme (:meth:`payments_of`)."""
        return self.payments_of(self.payment_employee.value or "")

    def payments_of(self, employee: str) -> Any:
        """One employee's payments under the current scheme, a row per evaluated period.

        Columns ``period``, ``proration`` (when the run prorates), ``on_target_pay``, then
        ``earned, earned_to_date, paid_to_date, due, draw_balance, adjustment, payment`` for
        a scheme that pays over time (contract §9), else ``payment`` alone.
        """
        return self._engine.payments(self._now, employee)

    def run(self) -> Any:
        """The full :class:`kpitools.engine.SchemeRun` of the current scheme."""
        return run_scheme(
            self._engine.table,
            self.scheme,
            periods=self._engine.periods,
            library=self._engine.library_arg,
            roster=self._engine.roster,
        )

    def save(self, path: str | os.PathLike) -> Any:
        """Write the current scheme as YAML (atomically); ``kpitools simulate`` reads it back.

        Returns
        -------
        pathlib.Path
            The file written.

        Examples
        --------
        >>> explorer.save("reports/my_scheme.yaml")  # doctest: +SKIP
        PosixPath('reports/my_scheme.yaml')
        """
        return atomic_write(path, self.scheme.to_yaml())

    def reset(self) -> None:
        """Go back to the scheme the explorer started from."""
        self._set_scheme(self.start_scheme)

    def __repr__(self) -> str:
        return (
            f"<SchemeExplorer {self.scheme.name!r}: {len(self.controls)} controls, total cost "
            f"{money(float(self._now.metrics['total_cost']), self.currency)} (start "
            f"{money(float(self._start.metrics['total_cost']), self.currency)})>"
        )

    # ----------------------------------------------------------------- layout
    def _control_sections(self) -> list[Any]:
        """A slider per control, observed, under a heading per group."""
        self.controls: dict[str, Any] = {}
        groups: dict[str, list[Any]] = {}
        for name, spec in self.specs.items():
            ctrl = slider(
                name,
                value=spec.value,
                min=spec.min,
                max=spec.max,
                step=spec.step,
                description=spec.label,
                tooltip=spec.tooltip or spec.label,
                readout=spec.readout,
                label_width="120px",
            )
            ctrl.observe(self._observer(name), names="value")
            self.controls[name] = ctrl
            groups.setdefault(spec.group, []).append(ctrl)
        sections = []
        for group, ctrls in groups.items():
            title = _group_title(self.start_scheme, group)
            sections += [w.HTML(f"<b>{escape(title)}</b>"), *ctrls]
        return sections

    def _figures(self) -> Any:
        """The four figures, each an image under its caption, two by two."""
        layout = w.Layout(width="100%", height="auto")
        self._images = {k: w.Image(format="png", layout=layout) for k in PANELS}
        self._captions = {k: w.HTML() for k in PANELS}
        self._captions["curve"].value = "<b>Payout curves</b> (dashed: start)"
        return w.GridBox(
            [w.VBox([self._captions[k], self._images[k]]) for k in PANELS],
            layout=w.Layout(grid_template_columns="1fr 1fr", grid_gap="6px", width="100%"),
        )

    def _buttons(self) -> list[Any]:
        """Back to start, and save the scheme under a file name."""
        self._reset_button = reset = w.Button(description="Back to start", icon="undo")
        reset.on_click(lambda _: self.reset())
        self._save_path = w.Text(
            value=f"{_slug(self.start_scheme.name)}_whatif.yaml",
            description="save as",
            layout={"width": "340px"},
        )
        self._save_button = save = w.Button(description="Save scheme", icon="save")
        save.on_click(lambda _: self._save_clicked())
        return [w.HBox([reset]), w.HBox([self._save_path, save])]

    def _build(self) -> None:
        s = self.start_scheme
        desc = f"<i>{escape(s.description)}</i>" if s.description else ""
        self._title = w.HTML(f"<h3 style='margin:0'>{escape(s.name)}</h3>{desc}")
        self._headline = w.HTML()
        self._headline.add_class("kpitools-total-cost")
        self._status = w.HTML()
        self._status.add_class("kpitools-status")
        self._table = w.HTML()
        left = w.VBox(
            [*self._control_sections(), *self._buttons()],
            layout=w.Layout(width="38%", min_width="360px"),
        )
        self.stress = StressView(self._engine.library)
        for ctrl in (self.stress.toggle, self.stress.shift):
            ctrl.observe(lambda _: self._refresh_stress(), names="value")
        right = w.VBox(
            [
                self._headline,
                self._figures(),
                self._table,
                self._payments_section(),
                self.stress.widget,
            ],
            layout=w.Layout(width="62%"),
        )
        self.widget = w.VBox([self._title, w.HBox([left, right]), self._status])
        self.widget.add_class("kpitools-scheme-explorer")

    def _payments_section(self) -> Any:
        """An employee to pick and their payments, period by period (shown for mechanics)."""
        evaluated = self._engine.employees[self._start.evaluated].tolist()
        self.payment_employee = w.Dropdown(
            options=evaluated,
            value=evaluated[0] if evaluated else None,
            description="payments of",
            layout={"width": "340px"},
        )
        self.payment_employee.observe(lambda _: self._show_payments(), names="value")
        self._payments = w.HTML()
        self._payments.add_class("kpitools-payments")
        self._payments_box = w.VBox([self.payment_employee, self._payments])
        return self._payments_box

    def _show_payments(self) -> None:
        """The payments of the selected employee, or the section hidden without mechanics."""
        if not self.uses_mechanics:
            self._payments_box.layout.display = "none"
            self._payments.value = ""
            return
        self._payments_box.layout.display = None
        employee = self.payment_employee.value or ""
        self._payments.value = payments_html(self.payments_of(employee), employee, self.currency)

    def _save_clicked(self) -> None:
        target = self._save_path.value
        try:
            path = self.save(target)
        except OSError as err:
            why = err.strerror or type(err).__name__
            self._status.value = (
                f"<span style='color:#b00'>Not saved: cannot write {escape(target)} "
                f"({escape(why)}). Suggestion: choose another file name.</span>"
            )
        else:
            self._status.value = f"Saved the scheme to <code>{escape(str(path))}</code>."

    # ----------------------------------------------------------------- updates
    def _changed(self, name: str, value: float) -> None:
        spec = self.specs[name]
        value = tidy_number(float(value), ints=False)  # 0.85, not 0.8500000000000001 from a slider
        try:
            new = spec.apply(self.scheme, value)
        except KpitoolsError as err:
            self._refuse(err)
            return
        self._set_scheme(new)

    def _set_scheme(self, scheme: Any) -> None:
        # Compared as plain data: a curve's cached arrays make model equality unreliable.
        curves = _rules(scheme) != _rules(self.scheme)
        try:
            now = self._engine.evaluate(scheme)
        except KpitoolsError as err:
            self._refuse(err)
            return
        self.error = None
        self._now = now
        self._sync_controls()
        self._refresh(curves=curves)

    def _sync_controls(self) -> None:
        """Show the current scheme in every control (weights rescaled, coupled points …)."""
        self._syncing = True
        try:
            for name, spec in self.specs.items():
                ctrl = self.controls[name]
                value = spec.read(self.scheme)
                if spec.bounds is not None:
                    lo, hi = spec.bounds(self.scheme)
                    lo, hi = min(lo, value), max(hi, value)
                    ctrl.min = min(lo, ctrl.min)
                    ctrl.max = max(hi, ctrl.max)
                    ctrl.value = value
                    ctrl.min, ctrl.max = lo, hi
                elif ctrl.value != value:
                    ctrl.max = max(ctrl.max, value)
                    ctrl.min = min(ctrl.min, value)
                    ctrl.value = value
        finally:
            self._syncing = False

    def _refresh(self, curves: bool) -> None:
        now, start, views = self._now, self._start, self._views
        if curves:
            views.draw_curves(now)
            self._images["curve"].value = views.panels["curve"].png()
        captions = {"dist": views.draw_distribution(now), "cost": views.draw_cost(now)}
        captions["wl"], winners, losers = views.draw_winners(now)
        for key, text in captions.items():
            self._captions[key].value = caption_html(text)
            self._images[key].value = views.panels[key].png()
        self._headline.value = headline_html(
            now.metrics, start.metrics, winners, losers, self.currency
        )
        self._table.value = metrics_html(start.metrics, now.metrics)
        self._show_payments()
        self._refresh_stress()
        if self.error is None:
            self._status.value = data_info(now)

    def _refresh_stress(self) -> None:
        self.stress.update(self._now, self._start, self.currency)
