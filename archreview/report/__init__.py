"""Outputs: the papermill run and nbconvert HTML report, the JSON document, terminal text, batch results and the portfolio page."""
