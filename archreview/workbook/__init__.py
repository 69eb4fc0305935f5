"""The review workbook: what each notebook cell calls, its widgets, charts and HTML fragments."""
