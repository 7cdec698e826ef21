"""Reads a workbook with openpyxl and prints what a spreadsheet user would see, as JSON.

Usage: python3 read_xlsx.py WORKBOOK.xlsx
Output: {"sheets": [names in order], "data": {sheet: {"freeze": "A2" | null,
         "max_row": n, "rows": [[{"v": value, "t": data type, "f": number format,
         "bold": bool}, ...] for the first 40 rows], "widths": {column letter: width}}},
         "formulas": number of formula cells in the whole workbook}
"""
import json
import sys

try:
    import openpyxl
except ImportError:
    print("openpyxl is not installed: pip install openpyxl", file=sys.stderr)
    sys.exit(3)

workbook = openpyxl.load_workbook(sys.argv[1])
result = {"sheets": workbook.sheetnames, "data": {}, "formulas": 0}
for sheet in workbook.worksheets:
    rows = []
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 40)):
        rows.append([
            {"v": cell.value, "t": cell.data_type, "f": cell.number_format, "bold": bool(cell.font and cell.font.b)}
            for cell in row
        ])
    for row in sheet.iter_rows():
        result["formulas"] += sum(1 for cell in row if cell.data_type == "f")
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items() if dim.width}
    result["data"][sheet.title] = {
        "freeze": sheet.freeze_panes,
        "max_row": sheet.max_row,
        "rows": rows,
        "widths": widths,
    }
print(json.dumps(result, ensure_ascii=False))
