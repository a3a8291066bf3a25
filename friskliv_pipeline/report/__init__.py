"""The published artifacts of a grant year: figures, report.html/.pdf, tables, manifest."""
