"""The designer's Flask blueprint, alone in a module so that the view modules can register on it without importing the package that imports them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", "designer_ui", template_folder="templates", static_folder="static", static_url_path="/ui/static")  # the app keeps /static
