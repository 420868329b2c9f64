"""A delegation's members from a spreadsheet: reading a CSV or XLSX upload, and the templates to fill in.

What ministries send is Excel, so the reader takes what Excel writes:

- **CSV** in UTF-8 with or without a byte-order mark, in UTF-16 with its BOM (Excel's "Unicode text"),
  or in GB18030 (a superset of GBK and GB2312: what Excel on a Chinese Windows writes for "CSV").
  UTF-8 is tried first: text in another encoding almost never decodes as UTF-8 by chance. A file that
  is not UTF-8 is then read as GB18030 if it decodes strictly and holds no private-use characters;
  which encoding was used is kept (``MemberFile.encoding``) and shown in the preview, where a
  wrong guess (a Western code page read as Chinese) shows as unreadable names, and the Latin-name
  rule refuses them anyway.  Anything else is refused, naming the encodings the reader takes.
  The separator is a comma, a semicolon (Excel in much of Europe) or a tab, sniffed from the header.
- **XLSX** through openpyxl in read-only mode (rows are streamed). Formulas are never evaluated: a
  cell holding one is read as its text (``=HYPERLINK(…)``), as is a typed value starting with =, +, -
  or @; the exports defuse such text when it goes out again (console.exports.defuse).
  Merged header cells: a cell inside a merged range counts as the range's value, so a header cell
  merged down over two rows still names its column; a header merged across two columns names both,
  which is refused as a column given twice.
- **The header** is the row, among the first HEADER_SEARCH_ROWS, that names the most known columns
  (rows above it, a title merged across the sheet, are skipped). A column is named by its field
  (``given_name``), its English label ("Given name"), its Chinese one ("名"), or the template's
  "given_name / 名". An unknown column, a column named twice, a required column missing and data in a
  column without a header are each an error naming the column.
- **Rows**: blank rows are skipped, and so is a row whose first cell starts with "#" (the template's
  notes row). Line numbers are the file's: the header is line 1 in the template; a CSV record spanning
  several lines is numbered by its first.
- **Cells** are typed as the API takes them: route_id a whole number or blank; join_waitlist and banquet
  from yes/no, 是/否, true/false, 1/0; country upper-cased; category and language by code or label.
  Every cell first goes through the text rules (summit.plumbing.text_input): NUL, control and bidi
  characters are refused in the cell they are in. The fields' own rules (Latin names, email, lengths)
  are the registration's (registration.delegate_input), applied by the delegation service.
- **Bounds**: at most BYTES_MAX bytes uploaded (an XLSX's parts at most SHEET_BYTES_MAX each uncompressed
  and twice that together, so a zip bomb stops at the declared sizes, which zipfile holds the parts to;
  its XML is read with no entity expansion) and ROWS_MAX members; reading stops at the first row past it.

Every message is a lazy string: it is shown in the language of whoever reads it (the focal point).
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from ...models.labels import DelegateCategory
from ...plumbing import text_input
from ...plumbing.errors import ValidationFailed
from ..registration.countries import COUNTRY_CODES, country_names

#: the largest upload read, CSV or XLSX: under the 2 MiB body the README's nginx takes, with a form around it
#: (10,000 members of 8 filled columns are about 1.3 MB of CSV, 0.4 MB of XLSX)
BYTES_MAX = 2_000_000
#: an XLSX's worksheet, uncompressed, at most (10,000 rows of 16 columns are about 8 MB of XML)
SHEET_BYTES_MAX = 40 * 1024 * 1024
#: members in one file, at most
ROWS_MAX = 10_000
#: the header is looked for in this many first rows
HEADER_SEARCH_ROWS = 10
#: columns read in a row, at most (the template has 16)
COLUMNS_MAX = 100
#: longest cell kept (longer than any field; the field rules give the exact limit)
CELL_MAX = 4000
COMMENT = "#"
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    en: str
    required: bool = False
    #: text | route | bool | country | category | language
    kind: str = "text"
    #: the template's notes row (zh, en)
    hint: tuple[str, str] = ("", "")


COLUMNS = [
    Column("title", "称谓", "Title", hint=("如 H.E.、Dr、Prof.，可空", "e.g. H.E., Dr, Prof.; may be blank")),
    Column("given_name", "名", "Given name", True, hint=("必填，拉丁字母", "required, Latin letters")),
    Column("family_name", "姓", "Family name", True, hint=("必填，拉丁字母", "required, Latin letters")),
    Column("native_name", "本国文字姓名", "Name in own script", hint=("可空，如 张伟", "optional, e.g. 张伟")),
    Column("email", "电子邮箱", "Email", True, hint=("必填，每人一个", "required, one per person")),
    Column("organisation", "单位", "Organisation", True, hint=("必填", "required")),
    Column("job_title", "职务", "Job title", hint=("可空", "optional")),
    Column("country", "国家或地区", "Country or region", True, "country",
           hint=("必填，ISO 两位代码，如 CN、FR", "required, ISO 2-letter code, e.g. CN, FR")),
    Column("category", "类别", "Category", True, "category", hint=(
        "必填：" + " | ".join(DelegateCategory.values()), "required: " + " | ".join(DelegateCategory.values()))),
    Column("phone", "电话", "Phone", hint=("可空，如 +86 10 1234 5678", "optional, e.g. +86 10 1234 5678")),
    Column("route_id", "参观路线编号", "Visit route id", kind="route", hint=("可空：不参观", "blank: no visit")),
    Column("join_waitlist", "路线满员时候补", "Join waiting list", kind="bool", hint=("是/否", "yes/no")),
    Column("banquet", "出席宴会", "Banquet", kind="bool", hint=("是/否", "yes/no")),
    Column("language", "语言", "Language", kind="language", hint=("zh 或 en", "zh or en")),
    Column("dietary_needs", "饮食要求", "Dietary needs", hint=("可空", "optional")),
    Column("accessibility_needs", "无障碍需求", "Accessibility needs", hint=("可空", "optional")),
]
BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED = [column.name for column in COLUMNS if column.required]

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "是", "要", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "否", "不", "不要"})
LANGUAGE_WORDS = {"zh": "zh", "中文": "zh", "chinese": "zh", "汉语": "zh", "en": "en", "english": "en", "英文": "en",
                  "英语": "en"}


class MemberFileRefused(ValidationFailed):
    """The file as a whole cannot be read (encoding, size, header): ``errors`` says where."""

    code = "member_file_refused"


@dataclass
class MemberRow:
    line: int
    #: the registration body the row gives (fields left blank are absent)
    values: dict = field(default_factory=dict)
    #: field → messages found while reading the row (the text rules, a cell that is not yes/no, …)
    errors: dict[str, list] = field(default_factory=dict)
    #: field → the cell as the file has it, for the preview
    cells: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(message)


@dataclass
class MemberFile:
    kind: str  # "csv" or "xlsx"
    #: the text encoding a CSV was read in (None for XLSX)
    encoding: str | None
    #: field → its column's position (0-based) in the file
    columns: dict[str, int]
    header_line: int
    rows: list[MemberRow]

    def letter(self, name: str) -> str | None:
        index = self.columns.get(name)
        return None if index is None else get_column_letter(index + 1)

    def bodies(self) -> list[dict]:
        return [row.values for row in self.rows]


def _refuse(message, where: str = "file") -> MemberFileRefused:
    return MemberFileRefused({where: [message]}, "the file cannot be read")


# --- headers ---------------------------------------------------------------------------------------------------

def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip().rstrip("*").strip()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


_HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _text in (_column.name, _column.zh, _column.en):
        _HEADER_KEYS[_key(_text)] = _column.name


def column_for(header: str) -> str | None:
    """The field a header cell names: "given_name", "Given name", "名" or "given_name / 名"; None if none."""
    whole = _HEADER_KEYS.get(_key(header))
    if whole is not None:
        return whole
    found = {_HEADER_KEYS.get(_key(part)) for part in unicodedata.normalize("NFKC", header).split("/")}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _header_score(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell and column_for(cell) is not None)


# --- cells -----------------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates in ISO form, everything else as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _category_words() -> dict[str, str]:
    words = {}
    for member in DelegateCategory:
        words[_key(member.value)] = member.value
        for language in ("zh", "en"):
            words[_key(member.label_in(language))] = member.value
    return words


def _typed(row: MemberRow, name: str, raw: str, categories: dict[str, str]) -> None:
    column = BY_NAME[name]
    why = text_input.problem(raw)
    if why is not None:
        row.fail(name, why)
        return
    if len(raw) > CELL_MAX:
        row.fail(name, _l("At most %(limit)d characters.", limit=CELL_MAX))
        return
    text = raw.strip()
    if not text:
        return  # blank: the field takes its default (a required one is then refused as missing)
    if column.kind == "text":
        row.values[name] = text
    elif column.kind == "country":
        row.values[name] = text.upper()
    elif column.kind == "route":
        number = text[:-2] if text.endswith(".0") else text
        if number.isascii() and number.isdigit() and len(number) <= 12:
            row.values[name] = int(number)
        else:
            row.fail(name, _l("Must be a route id (a whole number) or blank."))
    elif column.kind == "bool":
        word = _key(text)
        if word in TRUE_WORDS:
            row.values[name] = True
        elif word in FALSE_WORDS:
            row.values[name] = False
        else:
            row.fail(name, _l("Must be yes or no (是 or 否)."))
    elif column.kind == "category":
        row.values[name] = categories.get(_key(text), text)  # an unknown one: the registration rule says so
    elif column.kind == "language":
        row.values[name] = LANGUAGE_WORDS.get(_key(text), text)


# --- reading ---------------------------------------------------------------------------------------------------

def _is_xlsx(data: bytes, filename: str | None, content_type: str | None) -> bool:
    if data[:4] == b"PK\x03\x04":
        return True  # a zip: XLSX whatever the name says
    name = (filename or "").lower()
    kind = (content_type or "").split(";")[0].strip().lower()
    return name.endswith(".xlsx") or kind == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_member_file(data: bytes, filename: str | None = None, content_type: str | None = None) -> MemberFile:
    """The members a CSV or XLSX upload lists; MemberFileRefused if the file as a whole cannot be read.

    Each row's own problems are in its ``errors``; the registration rules are not applied here.
    """
    if len(data) > BYTES_MAX:
        raise _refuse(_l("The file is larger than %(mb)d MB.", mb=round(BYTES_MAX / 1_000_000)))
    if not data.strip():
        raise _refuse(_l("The file is empty."))
    if _is_xlsx(data, filename, content_type):
        return _read_xlsx(data)
    name = (filename or "").lower()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise _refuse(_l("This is an old Excel file (.xls). Please save it as .xlsx or as CSV UTF-8."))
    return _read_csv(data)


def _decode(data: bytes) -> tuple[str, str]:
    """(the text, the encoding it was read in), or MemberFileRefused naming the encodings taken."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and any(unicodedata.category(char) == "Co" for char in text):
            continue  # private-use characters: not Chinese text, a Western code page read as GB18030
        return text, {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030"}[encoding]
    raise _refuse(_l("The file is neither UTF-8 nor GB18030 (GBK) text. In Excel, choose Save As, "
                     "then “CSV UTF-8 (comma delimited)”, or upload the .xlsx file itself."))


def _read_csv(data: bytes) -> MemberFile:
    text, encoding = _decode(data)
    if text.startswith(BOM):
        text = text[1:]
    head = text[:64 * 1024].splitlines()[:HEADER_SEARCH_ROWS]
    best = (-1, ",")
    for delimiter in (",", ";", "\t"):
        try:
            lines = list(csv.reader(head, delimiter=delimiter))
        except csv.Error:
            continue
        score = max((_header_score(cells) for cells in lines), default=0)
        if score > best[0]:
            best = (score, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=best[1])

    def records():
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise _refuse(_l("Line %(line)d cannot be read as CSV (a quote is not closed, or a cell is too long).",
                                 line=line)) from None
            yield line, cells
            line = reader.line_num + 1

    return _read_rows(records(), "csv", encoding, merged={})


def _merged_ranges(book, sheet) -> dict[tuple[int, int], str]:
    """(row, column) → the value of the merged range it lies in, for the cells of the first rows.

    Read from the sheet's XML (read-only openpyxl does not keep merges), streamed, the size capped.
    """
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - lxml comes with the app's dependencies
        return {}
    ranges = []
    with book._archive.open(sheet._worksheet_path) as source:  # noqa: SLF001 (no public way in read-only mode)
        # entities never expanded, no DTD, nothing fetched: a crafted sheet cannot grow or reach out
        for _, element in etree.iterparse(source, events=("end",), tag="{*}mergeCell", resolve_entities=False,
                                          load_dtd=False, no_network=True, huge_tree=False):
            ref = element.get("ref") or ""
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            if min_row is not None and min_row <= HEADER_SEARCH_ROWS + 1:
                ranges.append((min_col, min_row, max_col, min(max_row, HEADER_SEARCH_ROWS + 1)))
            element.clear()
    return {(row, col): (min_row, min_col) for min_col, min_row, max_col, max_row in ranges
            for row in range(min_row, max_row + 1) for col in range(min_col, min(max_col, COLUMNS_MAX) + 1)}


def _read_xlsx(data: bytes) -> MemberFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        # openpyxl reads the shared strings whole, and every part is read to its declared size at most:
        # capping the declared sizes caps what a zip bomb can unpack
        parts = archive.infolist()
        if any(info.file_size > SHEET_BYTES_MAX for info in parts) or \
                sum(info.file_size for info in parts) > 2 * SHEET_BYTES_MAX:
            raise _refuse(_l("The spreadsheet is too large once unpacked (at most %(rows)d members).", rows=ROWS_MAX))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except MemberFileRefused:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises anything from KeyError to zipfile's own on a bad file
        raise _refuse(_l("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = book.worksheets[0]
        merged = _merged_ranges(book, sheet)
        sheet.reset_dimensions()  # a wrong <dimension> would cut the rows short

        def records():
            for line, values in enumerate(sheet.iter_rows(values_only=True, max_col=COLUMNS_MAX), start=1):
                yield line, [_cell_text(value) for value in values]

        return _read_rows(records(), "xlsx", None, merged)
    except MemberFileRefused:
        raise
    except Exception:  # noqa: BLE001 - a broken sheet part fails while streaming
        raise _refuse(_l("The file cannot be read as an Excel workbook (.xlsx).")) from None
    finally:
        book.close()


def _read_rows(records, kind: str, encoding: str | None, merged: dict) -> MemberFile:
    early: list[tuple[int, list[str]]] = []
    for line, cells in records:
        early.append((line, cells[:COLUMNS_MAX]))
        if len(early) >= HEADER_SEARCH_ROWS:
            break
    # a cell inside a merged range reads as the range's first cell
    by_line = {line: cells for line, cells in early}

    def filled(line: int, cells: list[str]) -> list[str]:
        out = list(cells)
        width = max([len(out)] + [col for (row, col) in merged if row == line])
        out += [""] * (width - len(out))
        for index in range(width):
            anchor = merged.get((line, index + 1))
            if anchor is not None and anchor != (line, index + 1):
                source = by_line.get(anchor[0], [])
                out[index] = source[anchor[1] - 1] if anchor[1] - 1 < len(source) else ""
        return out

    scored = [(_header_score(filled(line, cells)), -line, line) for line, cells in early]
    best = max(scored, default=(0, 0, 0))
    if best[0] == 0:
        raise _refuse(_l("No header row found: the first row must name the columns (%(names)s).",
                         names=", ".join(REQUIRED)))
    header_line = best[2]
    header = filled(header_line, by_line[header_line])
    where = f"row {header_line}"

    problems, columns = [], {}
    unnamed: set[int] = set()
    for index, cell in enumerate(header):
        title = cell.strip()
        if not title:
            unnamed.add(index)
            continue
        name = column_for(title)
        if name is None:
            problems.append(_l("Column %(letter)s “%(header)s” is not a registration field. The columns are: "
                               "%(names)s.", letter=get_column_letter(index + 1), header=title[:80],
                               names=", ".join(BY_NAME)))
        elif name in columns:
            problems.append(_l("Columns %(first)s and %(second)s both name “%(name)s” (merged header cells?).",
                               first=get_column_letter(columns[name] + 1), second=get_column_letter(index + 1),
                               name=name))
        else:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            problems.append(_l("The required column “%(name)s” is missing.", name=name))
    if problems:
        raise MemberFileRefused({where: problems}, "the header cannot be read")

    categories = _category_words()
    rows: list[MemberRow] = []
    orphans: set[int] = set()
    first_email: dict[str, int] = {}

    def take(line: int, cells: list[str]) -> None:
        if not any(cell.strip() for cell in cells):
            return  # blank
        first = next((cell.strip() for cell in cells if cell.strip()), "")
        if first.startswith(COMMENT):
            return  # the template's notes row, or any remark
        if len(rows) >= ROWS_MAX:
            raise _refuse(_l("The file lists more than %(max)d members.", max=ROWS_MAX))
        row = MemberRow(line)
        for index, cell in enumerate(cells[:COLUMNS_MAX]):
            if index in unnamed or index >= len(header):
                if cell.strip():
                    orphans.add(index)
        for name, index in columns.items():
            raw = cells[index] if index < len(cells) else ""
            row.cells[name] = raw
            _typed(row, name, raw, categories)
        email = row.values.get("email")
        if isinstance(email, str):
            key = email.casefold()
            if key in first_email:
                row.fail("email", _l("The same email as row %(line)d.", line=first_email[key]))
            else:
                first_email[key] = line
        rows.append(row)

    for line, cells in early:
        if line > header_line:
            take(line, cells)
    for line, cells in records:
        take(line, cells)
    if orphans:
        letters = ", ".join(get_column_letter(index + 1) for index in sorted(orphans)[:10])
        raise MemberFileRefused({where: [_l("Column %(letters)s holds data but has no header.", letters=letters)]},
                                "the header cannot be read")
    if not rows:
        raise _refuse(_l("The file lists no members: add one per row under the header."))
    return MemberFile(kind, encoding, columns, header_line, rows)


# --- errors by row and column ----------------------------------------------------------------------------------

def merged_errors(members: MemberFile, service_errors: dict[int, dict[str, list]] | None = None
                  ) -> dict[int, dict[str, list]]:
    """Row index → field → messages, the fields in the file's column order: the reader's own, and the
    registration rules' for the other fields.

    A field the reader already refused (a bidi character, "maybe" for a yes/no) is not repeated.
    """
    out: dict[int, dict[str, list]] = {}
    for index, row in enumerate(members.rows):
        fields = {name: list(messages) for name, messages in row.errors.items()}
        for name, messages in (service_errors or {}).get(index, {}).items():
            if name not in fields:
                fields[name] = list(messages)
        if fields:
            # in the file's column order, as the focal point reads the row
            out[index] = dict(sorted(fields.items(), key=lambda item: members.columns.get(item[0], COLUMNS_MAX)))
    return out


def describe(members: MemberFile, name: str, message):
    """One message naming its column, "column C (email): This is not a valid email address.", translated when shown."""
    letter = members.letter(name)
    if letter is None:
        return _l("%(name)s: %(message)s", name=name, message=message)
    return _l("column %(letter)s (%(name)s): %(message)s", letter=letter, name=name, message=message)


def errors_by_line(members: MemberFile, errors: dict[int, dict[str, list]]) -> dict[str, list]:
    """The contract's ``errors``: "row N" (N the file's line) → the messages, each naming its column."""
    return {f"row {members.rows[index].line}": [describe(members, name, message)
                                                for name, messages in fields.items() for message in messages]
            for index, fields in sorted(errors.items())}


# --- templates -------------------------------------------------------------------------------------------------

def template_headers() -> list[str]:
    return [f"{column.name} / {column.zh}" for column in COLUMNS]


def template_notes() -> list[str]:
    notes = [f"{column.hint[0]} / {column.hint[1]}" for column in COLUMNS]
    notes[0] = f"{COMMENT} {_notes_lead()} {notes[0]}"
    return notes


def _notes_lead() -> str:
    return "此行为说明，导入时跳过 / This row is a note and is skipped:"


def template_csv() -> bytes:
    """The CSV template: UTF-8 with a BOM (Excel then reads Chinese right), the headers and the notes row."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template_headers())
    writer.writerow(template_notes())
    return out.getvalue().encode("utf-8")


def template_xlsx(routes: list[tuple[int, str, str, str]] = ()) -> bytes:
    """The XLSX template: headers, the notes row, lists to choose from, and a sheet of codes.

    ``routes``: (id, code, zh name, en name) of the summit's visit routes, listed for route_id.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "members 成员"
    sheet.append(template_headers())
    sheet.append(template_notes())
    bold, grey = Font(bold=True), Font(italic=True, color="666666")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = bold
        sheet[f"{letter}1"].fill = PatternFill("solid", fgColor="DDEBF7" if column.required else "F2F2F2")
        sheet[f"{letter}2"].font = grey
        sheet[f"{letter}2"].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = max(14, len(template_headers()[index - 1]) + 4)
        for cell in (sheet[f"{letter}1"], sheet[f"{letter}2"]):
            cell.data_type = "s"
    sheet.freeze_panes = "A3"

    def choose(name: str, options: list[str]) -> None:
        letter = get_column_letter(list(BY_NAME).index(name) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        rule.add(f"{letter}3:{letter}{ROWS_MAX + 2}")
        sheet.add_data_validation(rule)

    choose("category", list(DelegateCategory.values()))
    choose("banquet", ["yes", "no", "是", "否"])
    choose("join_waitlist", ["yes", "no", "是", "否"])
    choose("language", ["zh", "en"])

    codes = book.create_sheet("codes 代码")
    codes.append(["category / 类别", "中文", "English"])
    for member in DelegateCategory:
        codes.append([member.value, member.label_in("zh"), member.label_in("en")])
    codes.append([])
    codes.append(["route_id / 参观路线编号", "中文", "English"])
    for route_id, code, zh, en in routes:
        codes.append([route_id, f"{code} {zh}", f"{code} {en}"])
    codes.append([])
    codes.append(["country / 国家或地区", "中文", "English"])
    for code in sorted(COUNTRY_CODES):
        en, zh = country_names(code)
        codes.append([code, zh, en])
    for row in codes.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for letter, width in (("A", 26), ("B", 30), ("C", 40)):
        codes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def labels_in(language: str) -> dict[str, str]:
    """field → its column's label in ``language`` (the preview's table headers)."""
    return {column.name: (column.zh if language == "zh" else column.en) for column in COLUMNS}
