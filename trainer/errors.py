"""Errors the people-and-progress side shows to its users; messages say what to do next.

TrainerError
├── SignInFailed          wrong user name or password (never says which)
├── SignInThrottled       too many failures: wait
├── AccountInactive
├── WeakPassword
├── UserExists
├── UserNotFound
├── InvalidRole
├── PermissionDenied      the signed-in role may not do this
└── StorageProblem        app.db could not be written now (nothing saved; repeat later)
    ├── DiskFull
    └── DatabaseLocked
"""


class TrainerError(Exception):
    "Base class of errors a user of the app or the trainer CLI can see"


class SignInFailed(TrainerError):
    "User name or password is wrong"


class SignInThrottled(TrainerError):
    "Too many failed sign-ins for this user name"


class AccountInactive(TrainerError):
    "The account was deactivated"


class WeakPassword(TrainerError):
    "The password does not meet the minimum rules"


class InvalidUsername(TrainerError):
    "The user name is empty, too long or has spaces"


class UserExists(TrainerError):
    "A user with that user name already exists"


class UserNotFound(TrainerError):
    "No user with that user name"


class InvalidRole(TrainerError):
    "The role is not one of learner, trainer, admin"


class PermissionDenied(TrainerError):
    "The signed-in user's role may not do this"


class StorageProblem(TrainerError):
    "app.db could not be written right now; nothing was saved, the same action can be repeated"


class DiskFull(StorageProblem):
    "The disk holding app.db has no space left"


class DatabaseLocked(StorageProblem):
    "Another connection held app.db's write lock for longer than we wait"
