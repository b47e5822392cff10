"""Printing a record: print templates rendered to a PDF document.

A print template is a notification-template revision with purpose ``print`` (same sandboxed Jinja, same static
check of variables at save, same review lifecycle; ``engine.services.templates``). This package owns what is
particular to print: ``scope`` (the ``display`` variables: each field as a person reads it) and ``document``
(the small print markup, sanitised to an allow-list, laid out as a PDF with fpdf2 in a CJK-capable font).
The service that ties them to records and the read gate is ``engine.services.print_templates``.
"""
