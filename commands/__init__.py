"""The command lines (``python -m knowledge``, ``python -m trainer``): sign-in, roles, then the packages."""
