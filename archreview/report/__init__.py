"""Outputs: the papermill run and nbconvert HTML report, the JSON document, terminal text, the portfolio page."""
