"""What trainers read: reports and exports, item analysis, the chat's record."""
