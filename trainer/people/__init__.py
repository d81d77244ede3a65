"""Accounts and roles: sign-in, sessions, managing people, roster import."""
