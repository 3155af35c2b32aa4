"""Hypothesis strategies for hostile input files of every kind kpitools reads.

Each strategy draws a :class:`Case`: a file kind, the command line that reads it, and the
hostile file's bytes, made from a small valid file of that kind by a few mutations:

- **text tables** (long, wide and event CSV, roster): cells replaced by huge, non-finite
  or malformed numbers and by hostile names (formulas, control and bidirectional
  characters, NUL, very long text); duplicated, shuffled and dropped headers; rows cut
  short or given extra fields; stray quotes and delimiters; then bytes: NUL and invalid
  UTF-8 inserted, truncation, other encodings (UTF-16, cp1251, latin-1), a BOM, the whole
  file twice;
- **XLSX**: the long table written as a workbook with the same hostile cells, or a valid
  workbook truncated or with bytes flipped;
- **YAML** (scheme, design, library, batch manifest): a node replaced by a value of the
  wrong type or shape (huge and non-finite numbers, deep nesting, hostile text, null,
  empty list), a key deleted or an unknown one added; then text: tabs, stray brackets and
  quotes, truncation, alias bombs, thousands of nested brackets, NUL and invalid UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hypothesis import assume
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- good inputs
EMPLOYEES = ["007", "E02", "E03", "E04", "E05", "E06"]
ROLES = {
    "007": "sales_rep",
    "E02": "sales_rep",
    "E03": "sales_rep",
    "E04": "key_account",
    "E05": "key_account",
    "E06": "key_account",
}
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]


def long_rows() -> list[list[str]]:
    rows = [["employee", "period", "kpi", "actual", "target", "role", "team"]]
    for i, e in enumerate(EMPLOYEES):
        for m, month in enumerate(MONTHS):
            revenue = 100_000 + 7_000 * i + 3_000 * m
            rows.append([e, month, "revenue", str(revenue), "110000", ROLES[e], f"T{i % 2}"])
            rows.append([e, month, "units_sold", str(40 + i + m), "45", ROLES[e], f"T{i % 2}"])
    return rows


def wide_rows() -> list[list[str]]:
    rows = [["employee", "period", "revenue", "units_sold", "win_rate"]]
    for i, e in enumerate(EMPLOYEES):
        for m, month in enumerate(MONTHS):
            rows.append([e, month, str(90_000 + 5_000 * i + m), str(30 + i), f"0.{3 + i % 5}"])
    return rows


def event_rows() -> list[list[str]]:
    rows = [["deal_id", "agent", "date", "amount", "stage"]]
    for i in range(40):
        rows.append(
            [
                f"D{i:03d}",
                EMPLOYEES[i % 6],
                f"2025-0{1 + i % 6}-{1 + i % 27:02d}",
                f"{1000 + 37 * i}.5",
                "Won" if i % 3 else "Lost",
            ]
        )
    return rows


def roster_rows() -> list[list[str]]:
    rows = [["employee", "role", "team", "manager", "hire_date", "leave_date", "fte", "salary"]]
    for i, e in enumerate(EMPLOYEES):
        manager = "" if i == 0 else "007"
        rows.append([e, ROLES[e], f"T{i % 2}", manager, "2020-01-15", "", "1", "50000"])
    return rows


SCHEME = {
    "name": "Scorecard",
    "period": "month",
    "on_target_pay": {"sales_rep": 30000, "key_account": 60000},
    "revenue_kpi": "revenue",
    "components": [
        {
            "kpi": "revenue",
            "weight": 0.7,
            "target": {"method": "fixed", "value": 110000},
            "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.3, 1.5]]},
        },
        {"kpi": "units_sold", "weight": 0.3, "target": 45, "curve": {"steps": [[1.0, 1.0]]}},
    ],
    "cap": 2.0,
}

LIBRARY = {
    "version": 1,
    "kpis": [
        {
            "id": "demo_visits",
            "name": "Visits",
            "area": "sales",
            "unit": "count",
            "direction": "higher",
            "aggregation": "sum",
            "type": "leading",
            "quantitative": True,
            "level": "individual",
            "description": "Client visits.",
        },
        {
            "id": "visit_conversion",
            "name": "Visit conversion",
            "area": "sales",
            "unit": "percent",
            "direction": "higher",
            "aggregation": "ratio",
            "formula": "units_sold / demo_visits",
            "type": "lagging",
            "quantitative": True,
            "level": "individual",
            "description": "Units per visit.",
            "limits": [0, 1],
        },
    ],
}

MANIFEST = {
    "clients": [
        {"client": "Acme", "budget": 450000},
        {"client": "Beta & Co", "schemes": ["scheme.yaml"], "seed": 3},
    ],
    "defaults": {
        "design": "design.yaml",
        "schemes": ["scheme.yaml"],
        "forecast_draws": 0,
        "formats": "html",
        "data": "absent.csv",  # never there: a valid manifest stops before any report runs
    },
}


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def good_files() -> dict[str, bytes]:
    """The valid inputs every case folder starts with."""
    design = (REPO / "templates" / "designs" / "sales_generator.yaml").read_bytes()
    return {
        "data.csv": csv_text(long_rows()).encode(),
        "roster.csv": csv_text(roster_rows()).encode(),
        "scheme.yaml": yaml.safe_dump(SCHEME, sort_keys=False).encode(),
        "design.yaml": design,
    }


# --------------------------------------------------------------------------- hostile values
HOSTILE_NUMBERS = [
    "1e308",
    "-1e308",
    "1e400",
    "inf",
    "-Infinity",
    "nan",
    "NaN",
    "9" * 400,
    "-0",
    "1e-400",
    "0x1F",
    "1,5",
    "1.5.5",
    "",
    " ",
    "١٢٣",
    "１２",
    "12%",
    "(300)",
    "$1,000",
    "1 000",
    "#DIV/0!",
    "=1+1",
    "TRUE",
    "-",
    "+",
    ".",
    "1e",
    "e5",
]
HOSTILE_TEXT = [
    '=HYPERLINK("http://x.example/?a","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "\u202eevil\u202c",
    "a\x00b",
    "\x1b[2J",
    "😀",
    "Ω" * 300,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "a\tb",
    "a\rb",
    "a\nb",
    '"',
    '""',
    "",
    " ",
    "\ufeffx",
    "con",
    "NUL",
    "\u200b",
    "x" * 5000,
    "{{ x }}",
    "${HOME}",
    "%s%n",
]
NASTY_BYTES = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b'"',
    b",",
    b";",
    b"\r",
    b"\n",
    b"\t",
    b"\xe2\x80\xae",
    b"\x1b[31m",
    b"\xef\xbb\xbf",
    b"\x00" * 64,
    b'"\n"',
    b"\\",
]
ENCODINGS = ["utf-16", "utf-16-le", "cp1251", "latin-1", "utf-32", "utf-8-sig"]


@dataclass
class Case:
    """One hostile input and the command line that reads it."""

    kind: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)  # outputs expected on success
    mutations: list[str] = field(default_factory=list)  # what was done, for the report

    def describe(self) -> str:
        return json.dumps({"kind": self.kind, "argv": self.argv, "mutations": self.mutations})


# --------------------------------------------------------------------------- table mutations
@st.composite
def mutate_rows(draw, rows: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    rows = [list(r) for r in rows]
    done: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        what = draw(
            st.sampled_from(
                [
                    "number",
                    "text",
                    "dup_header",
                    "shuffle_header",
                    "drop_header",
                    "short_row",
                    "long_row",
                    "repeat_header",
                    "empty",
                    "header_only",
                    "rows_many_cells",
                ]
            )
        )
        r = draw(st.integers(1, max(1, len(rows) - 1))) if len(rows) > 1 else 0
        c = draw(st.integers(0, len(rows[0]) - 1)) if rows and rows[0] else 0
        if what == "number" and len(rows) > 1 and c < len(rows[r]):
            rows[r][c] = draw(st.sampled_from(HOSTILE_NUMBERS))
        elif what == "text" and rows and c < len(rows[r]):
            rows[r][c] = draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12))
        elif what == "dup_header" and rows and rows[0]:
            rows[0][c] = rows[0][(c + 1) % len(rows[0])]
        elif what == "shuffle_header" and rows:
            rows[0] = draw(st.permutations(rows[0]))
        elif what == "drop_header" and rows and rows[0]:
            del rows[0][c]
        elif what == "short_row" and len(rows) > 1:
            rows[r] = rows[r][: draw(st.integers(0, max(0, len(rows[r]) - 1)))]
        elif what == "long_row" and len(rows) > 1:
            rows[r] = rows[r] + draw(
                st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=3)
            )
        elif what == "repeat_header" and len(rows) > 1:
            rows.insert(r, list(rows[0]))
        elif what == "empty":
            rows = []
        elif what == "header_only" and rows:
            rows = rows[:1]
        elif what == "rows_many_cells" and rows:
            rows = [r + ["x"] * 300 for r in rows]
        done.append(what)
    return rows, done


@st.composite
def mutate_bytes(draw, data: bytes) -> tuple[bytes, list[str]]:
    done: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        what = draw(st.sampled_from(["insert", "truncate", "encode", "twice", "garbage", "flip"]))
        at = draw(st.integers(0, len(data)))
        if what == "insert":
            data = data[:at] + draw(st.sampled_from(NASTY_BYTES)) + data[at:]
        elif what == "truncate":
            data = data[:at]
        elif what == "encode":
            encoding = draw(st.sampled_from(ENCODINGS))
            data = data.decode("utf-8", errors="replace").encode(encoding, errors="replace")
            what += f":{encoding}"
        elif what == "twice":
            data = data + data
        elif what == "garbage":
            data = draw(st.binary(min_size=0, max_size=300))
        elif what == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        done.append(what)
    return data, done


@st.composite
def hostile_table(draw, rows: list[list[str]]) -> tuple[bytes, list[str]]:
    mutated, done = draw(mutate_rows(rows))
    text = csv_text(mutated)
    if draw(st.booleans()):  # a ';' file with decimal commas, as European Excel writes
        text = text.replace(",", ";")
    data, more = draw(mutate_bytes(text.encode("utf-8", errors="surrogatepass")))
    return data, done + more


# --------------------------------------------------------------------------- YAML mutations
def _hostile_values():
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 0.0, -0.0])
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.sampled_from(HOSTILE_TEXT)
        | st.text(max_size=20)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["id", "kpi", "x", "=a", "😀"]) | st.text(max_size=5),
                children,
                max_size=3,
            )
        ),
        max_leaves=6,
    )


def _nodes(doc, path=()):
    """Every (path, node) of a YAML document, the root first."""
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _nodes(v, (*path, i))


def _replace(doc, path, value):
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def _delete(doc, path):
    if not path:
        return None
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return doc


ALIAS_BOMB = (
    "\n".join(
        ["a: &a [x, x, x, x, x, x, x, x, x]"]
        + [
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]"
            for p, n in zip("abcdefg", "bcdefgh", strict=False)
        ]
    )
    + "\n"
)


@st.composite
def mutate_yaml_tree(draw, doc) -> tuple[object, list[str]]:
    doc = json.loads(json.dumps(doc))  # a deep copy
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        nodes = list(_nodes(doc))
        path, _ = draw(st.sampled_from(nodes))
        what = draw(st.sampled_from(["replace", "delete", "add_key", "deep", "wrap"]))
        if what == "replace":
            doc = _replace(doc, path, draw(_hostile_values()))
        elif what == "delete":
            doc = _delete(doc, path)
        elif what == "add_key":
            node = nodes[[p for p, _ in nodes].index(path)][1]
            if isinstance(node, dict):
                node[draw(st.sampled_from(HOSTILE_TEXT[:12]) | st.text(max_size=8))] = draw(
                    _hostile_values()
                )
        elif what == "deep":
            value: object = "x"
            for _ in range(draw(st.sampled_from([30, 200, 900]))):
                value = [value]
            doc = _replace(doc, path, value)
        elif what == "wrap":
            node = nodes[[p for p, _ in nodes].index(path)][1]
            doc = _replace(doc, path, [node])
        done.append(what)
    return doc, done


@st.composite
def hostile_yaml(draw, doc) -> tuple[bytes, list[str]]:
    done: list[str] = []
    how = draw(st.sampled_from(["tree", "tree", "tree", "text", "bomb", "brackets"]))
    if how == "bomb":
        return (ALIAS_BOMB + yaml.safe_dump(doc)).encode(), ["alias_bomb"]
    if how == "brackets":
        n = draw(st.sampled_from([500, 5000, 50_000]))
        return f"name: {'[' * n}{']' * n}\n".encode(), [f"brackets:{n}"]
    if how == "tree":
        doc, done = draw(mutate_yaml_tree(doc))
    try:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    except RecursionError:
        text, done = yaml.safe_dump({"name": "x"}), [*done, "undumpable"]
    data = text.encode("utf-8", errors="surrogatepass")
    if how == "text" or draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(data)))
            piece = draw(
                st.sampled_from(
                    [
                        b"\t",
                        b"[",
                        b"]",
                        b"{",
                        b'"',
                        b"'",
                        b": ",
                        b"- ",
                        b"&a ",
                        b"*a",
                        b"!!python/object:os.system ",
                        b"\x00",
                        b"\xff",
                        b"---\n",
                        b"...\n",
                        b"%YAML 9\n",
                    ]
                )
            )
            data = data[:at] + piece + data[at:]
            done.append("yaml_text")
    more_data, more = draw(mutate_bytes(data))
    return more_data, done + more


# --------------------------------------------------------------------------- cases per kind
OUT = "out"


@st.composite
def long_case(draw) -> Case:
    data, done = draw(hostile_table(long_rows()))
    if draw(st.booleans()):
        argv = ["data", "check", "hostile.csv"]
        writes: list[str] = []
    else:
        argv = ["simulate", "--data", "hostile.csv", "--scheme", "scheme.yaml", "--out", OUT]
        writes = [f"{OUT}/payouts.csv", f"{OUT}/metrics.csv"]
    return Case("long_csv", argv, {"hostile.csv": data}, writes, done)


@st.composite
def wide_case(draw) -> Case:
    data, done = draw(hostile_table(wide_rows()))
    return Case(
        "wide_csv",
        ["data", "check", "hostile.csv", "--layout", "auto"],
        {"hostile.csv": data},
        [],
        done,
    )


@st.composite
def event_case(draw) -> Case:
    data, done = draw(hostile_table(event_rows()))
    argv = [
        "data",
        "aggregate",
        "hostile.csv",
        "--employee",
        "agent",
        "--date",
        "date",
        "--measure",
        "deals=count",
        "--measure",
        "won=sum(amount) where stage == Won",
        "--attr",
        "stage",
        "--out",
        f"{OUT}/kpis.csv",
    ]
    return Case("event_csv", argv, {"hostile.csv": data}, [f"{OUT}/kpis.csv"], done)


@st.composite
def xlsx_case(draw) -> Case:
    import openpyxl  # only here: building workbooks

    rows, done = draw(mutate_rows(long_rows()))
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        cells = []
        for cell in row:
            cell = "".join(ch for ch in cell if ch >= " " or ch in "\t\n\r")  # XML-safe
            try:
                cells.append(float(cell) if draw(st.booleans()) else cell)
            except ValueError:
                cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if draw(st.booleans()):
        data, more = draw(mutate_bytes(data))
        done += more
    return Case("long_xlsx", ["data", "check", "hostile.xlsx"], {"hostile.xlsx": data}, [], done)


@st.composite
def roster_case(draw) -> Case:
    data, done = draw(hostile_table(roster_rows()))
    if draw(st.booleans()):
        argv = ["data", "check", "data.csv", "--roster", "hostile.csv"]
        writes: list[str] = []
    else:
        argv = [
            "simulate",
            "--data",
            "data.csv",
            "--roster",
            "hostile.csv",
            "--scheme",
            "scheme.yaml",
            "--by",
            "team",
            "--out",
            OUT,
        ]
        writes = [f"{OUT}/payouts.csv", f"{OUT}/metrics_by_team.csv"]
    return Case("roster", argv, {"hostile.csv": data}, writes, done)


@st.composite
def scheme_case(draw) -> Case:
    data, done = draw(hostile_yaml(SCHEME))
    argv = ["simulate", "--data", "data.csv", "--scheme", "hostile.yaml", "--out", OUT]
    return Case("scheme", argv, {"hostile.yaml": data}, [f"{OUT}/payouts.csv"], done)


@st.composite
def design_case(draw) -> Case:
    doc = yaml.safe_load((REPO / "templates" / "designs" / "sales_generator.yaml").read_text())
    data, done = draw(hostile_yaml(doc))
    verb = draw(st.sampled_from(["check", "cascade"]))
    return Case("design", ["design", verb, "hostile.yaml"], {"hostile.yaml": data}, [], done)


@st.composite
def library_case(draw) -> Case:
    data, done = draw(hostile_yaml(LIBRARY))
    if draw(st.booleans()):
        argv = ["data", "check", "data.csv", "--library", "hostile.yaml"]
    else:
        argv = ["design", "check", "design.yaml", "--library", "hostile.yaml"]
    return Case("library", argv, {"hostile.yaml": data}, [], done)


def _runs_the_demo(data: bytes) -> bool:
    """Whether a manifest would run a real report (``data: ""`` means the demo company)."""
    try:
        doc = yaml.safe_load(data)
    except Exception:  # noqa: BLE001 - unreadable: it cannot run anything
        return False
    if not isinstance(doc, dict):
        return False
    entries = [doc.get("defaults")] + list(doc.get("clients") or [])
    return any(isinstance(e, dict) and "data" in e and not e["data"] for e in entries)


@st.composite
def manifest_case(draw) -> Case:
    data, done = draw(hostile_yaml(MANIFEST))
    assume(not _runs_the_demo(data))
    argv = ["batch", "hostile.yaml", "--out", OUT, "--jobs", "1"]
    return Case("manifest", argv, {"hostile.yaml": data}, [], done)


KINDS = {
    "long_csv": long_case,
    "wide_csv": wide_case,
    "event_csv": event_case,
    "long_xlsx": xlsx_case,
    "roster": roster_case,
    "scheme": scheme_case,
    "design": design_case,
    "library": library_case,
    "manifest": manifest_case,
}
