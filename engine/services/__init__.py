"""Services: everything a user can do, as plain functions over a Runtime.

The REST API and the designer call these and nothing else.
"""
