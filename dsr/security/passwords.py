"""The password policy: long enough and not guessable, judged by zxcvbn (which ships lists of
common passwords, names and words, and sees repeats, sequences and keyboard patterns)."""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
#: zxcvbn's score (0-4): 3 means "safely unguessable: moderate protection from offline attack".
MIN_SCORE = 3


class PasswordRejected(ValueError):
    """The password does not meet the policy; the message says why (in English, for staff)."""


def check_password(password: str, *, user_inputs: list[str] | tuple[str, ...] = ()) -> None:
    """Raise :class:`PasswordRejected` unless ``password`` meets the policy.

    ``user_inputs`` (the username, the e-mail address) count as known words.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"password: at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"password: at most {MAX_LENGTH} characters")
    result = zxcvbn(password, user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or "it is too easy to guess"
        raise PasswordRejected(f"password: too easy to guess ({hint.rstrip('.')}); "
                               "use a longer phrase of unrelated words")
