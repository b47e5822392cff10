"""Importing CSV and XLSX files into a form: reading, column mapping, cleaning, and import jobs (``jobs``)."""
