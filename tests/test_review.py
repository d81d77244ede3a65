"""Spaced review (trainer/learning/review.py) on real SQLite: cards from quiz answers, fsrs scheduling equal
to fsrs's own, review days in China Standard Time, content changes, two tabs, roles."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler, State

from courses.content import load_catalog
from tests.conftest import Clock
from tests.coursemaker import RIGHT, make_course
from trainer.errors import PermissionDenied
from trainer.learning.quiz import EmptyAnswer, Learning, add_months
from trainer.learning.review import CardGone, RefresherNotDue, Refreshers, Review, answer_fingerprint, rating_for
from trainer.people.accounts import Accounts, User
from trainer.storage.db import open_db

PASSWORD = "correct horse battery"
DAY = 86_400
WRONG = {"m1-q1": "b", "m1-q2": ["c"], "m1-q3": "一审", "m2-q1": "b", "m2-q2": ["c"], "m2-q3": "one"}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return make_course(tmp_path / "content")


@pytest.fixture
def setup(settings, content: Path, clock: Clock):  # type: ignore[no-untyped-def]
    db = open_db(settings.app_db)
    accounts = Accounts(db)
    users = {
        "lin": accounts.create_user("lin", PASSWORD, "learner"),
        "wu": accounts.create_user("wu", PASSWORD, "learner"),
        "tom": accounts.create_user("tom", PASSWORD, "trainer"),
        "ada": accounts.create_user("ada", PASSWORD, "admin"),
    }
    catalog = load_catalog(content)
    return Learning(db, catalog, clock=clock), Review(db, catalog, clock=clock), users


def practise(learning: Learning, user: User, module: str, answers: dict[str, object]) -> None:
    """A practice attempt answering the given questions (left open, as learners often leave them)."""
    attempt = learning.start(user, "c1", module, mode="practice")
    for shown in attempt.questions:
        if shown.question.id in answers:
            learning.answer(user, attempt.id, shown.pos, answers[shown.question.id])


def card_for(review: Review, user: User, question: str):  # type: ignore[no-untyped-def]
    row = review.db.execute(
        "SELECT id FROM review_cards WHERE username = ? AND question = ?", [user.username, question]
    ).fetchone()
    assert row is not None, f"no card for {question}"
    return review.card(user, row[0])


def test_a_missed_question_is_due_the_next_review_day_and_a_right_one_makes_no_card(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": WRONG["m1-q1"], "m1-q2": ["a"], "m1-q3": RIGHT["m1-q3"]})
    assert review.sync(lin) == 2  # wrong and partly right; the right answer makes no card
    assert review.sync(lin) == 0  # read once
    q1, q2 = card_for(review, lin, "m1-q1"), card_for(review, lin, "m1-q2")
    assert q1.source == "missed" and q1.reviews == 1 and q1.state == State.Review
    assert review.history(lin, q1.id)[0]["rating"] == Rating.Again
    assert review.history(lin, q2.id)[0]["rating"] == Rating.Hard
    assert review.days_until(q1.due) == 1
    assert review.due(lin) == []
    clock.now += DAY
    assert {c.question.id for c in review.due(lin)} == {"m1-q1", "m1-q2"}


def test_graded_answers_count_only_once_the_attempt_is_finished(setup) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    for shown in attempt.questions:
        learning.answer(lin, attempt.id, shown.pos, WRONG[shown.question.id])
    review.sync(lin)
    assert review.db.execute("SELECT count(*) FROM review_cards").fetchone()[0] == 0  # would leak the key
    learning.submit(lin, attempt.id)
    assert review.sync(lin) == 3


def test_intervals_grow_for_right_answers_and_shrink_for_wrong_ones(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b"})
    review.sync(lin)
    intervals = []
    for _ in range(5):
        card = card_for(review, lin, "m1-q1")
        clock.now = card.due + 60
        assert [c.id for c in review.due(lin)] == [card.id]
        result = review.answer(lin, card.id, card.version, "a")
        assert result.counted and result.grade.correct and result.rating == Rating.Good
        intervals.append(result.interval_days)
    assert intervals == sorted(intervals) and intervals[-1] > intervals[0] >= 1 and len(set(intervals)) == 5
    card = card_for(review, lin, "m1-q1")
    clock.now = card.due + 60
    lapse = review.answer(lin, card.id, card.version, "b")
    assert lapse.rating == Rating.Again and lapse.interval_days < intervals[-1]
    assert lapse.stability is not None and card.stability is not None and lapse.stability < card.stability
    assert card_for(review, lin, "m1-q1").lapses == 1


def test_easy_and_hard_change_a_right_answer_s_interval(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b", "m1-q3": "一审"})
    review.sync(lin)
    clock.now += DAY
    q1, q3 = card_for(review, lin, "m1-q1"), card_for(review, lin, "m1-q3")
    hard = review.answer(lin, q1.id, q1.version, "a", feeling="hard")
    easy = review.answer(lin, q3.id, q3.version, "三审三校", feeling="easy")
    assert (hard.rating, easy.rating) == (Rating.Hard, Rating.Easy)
    assert easy.interval_days > hard.interval_days
    assert rating_for(0.5, 1, "easy") == Rating.Hard  # partly right stays Hard whatever the feeling


def test_our_schedule_equals_fsrs_replaying_the_same_history(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """Each review's due date and stability, and today's predicted recall, are fsrs's own for the
    same ratings at the same times (fsrs's scheduler with our settings, from a blank card)."""
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b"})
    review.sync(lin)
    plan = ["a", "a", "b", "a", "a", "a", "b", "a"]
    late = [0, 3, 1, 0, 5, 2, 0, 9]  # days after due each review comes, so elapsed days vary
    for response, extra in zip(plan, late, strict=True):
        card = card_for(review, lin, "m1-q1")
        clock.now = card.due + extra * DAY + 3600
        review.answer(lin, card.id, card.version, response)
    log = review.history(lin, card_for(review, lin, "m1-q1").id)
    assert [r["origin"] for r in log] == ["quiz"] + ["review"] * len(plan)

    reference = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    fcard = Card(card_id=1, due=dt.datetime.fromtimestamp(log[0]["reviewed_at"], dt.UTC))
    for entry in log:
        at = dt.datetime.fromtimestamp(entry["reviewed_at"], dt.UTC)
        fcard, _ = reference.review_card(fcard, Rating(entry["rating"]), review_datetime=at)
        assert int(fcard.due.timestamp()) == entry["due"]
        assert fcard.stability == entry["stability"] and fcard.difficulty == entry["difficulty"]
    ours = card_for(review, lin, "m1-q1")
    assert (ours.due, ours.stability, ours.difficulty) == (
        int(fcard.due.timestamp()),
        fcard.stability,
        fcard.difficulty,
    )
    for days in (0, 1, 7, 40, 400):
        at = ours.due + days * DAY
        expected = reference.get_card_retrievability(fcard, dt.datetime.fromtimestamp(at, dt.UTC))
        assert review.recall(ours.stability, ours.last_review, at) == pytest.approx(expected, rel=1e-12)


def test_review_days_are_china_standard_time_starting_at_four(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    _, review, _ = setup
    cst = dt.timezone(dt.timedelta(hours=8))
    late_night = dt.datetime(2027, 3, 10, 3, 30, tzinfo=cst).timestamp()
    morning = dt.datetime(2027, 3, 10, 4, 0, tzinfo=cst).timestamp()
    assert review.review_day(late_night) == dt.date(2027, 3, 9)  # counts for the day before
    assert review.review_day(morning) == dt.date(2027, 3, 10)
    clock.now = late_night
    assert review.today_ends() == int(morning)
    other = Review.from_env(review.db, review.catalog, {"APP_REVIEW_TZ": "UTC", "APP_REVIEW_DAY_START": "0"})
    assert other.review_day(late_night) == dt.date(2027, 3, 9)  # 19:30 UTC the day before
    assert other.review_day(morning) == dt.date(2027, 3, 9)


def test_a_card_answered_in_two_tabs_counts_once(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b"})
    review.sync(lin)
    clock.now += DAY
    shown = review.due(lin)[0]  # both tabs show this card at this version
    first = review.answer(lin, shown.id, shown.version, "a")
    second = review.answer(lin, shown.id, shown.version, "b")
    assert first.counted and not second.counted
    assert not second.grade.correct  # the second tab still sees its own answer graded
    assert second.due == first.due and second.interval_days == first.interval_days
    assert len(review.history(lin, shown.id)) == 2  # the quiz answer and one review
    with pytest.raises(EmptyAnswer):
        review.answer(lin, shown.id, shown.version + 1, None)


def test_a_completed_module_adds_every_question_as_a_refresher(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    attempt = learning.start(lin, "c1", "m1")
    for shown in attempt.questions:
        learning.answer(lin, attempt.id, shown.pos, RIGHT[shown.question.id] if shown.question.id != "m1-q3" else "x")
    assert learning.submit(lin, attempt.id).passed
    assert review.sync(lin) == 1  # passed, but the lesson is unread: not completed yet
    learning.mark_read(lin, "c1", "m1", "basics")
    assert review.sync(lin) == 2  # the two right answers join as refreshers
    cards = {q: card_for(review, lin, q) for q in ("m1-q1", "m1-q2", "m1-q3")}
    assert cards["m1-q3"].source == "missed" and cards["m1-q1"].source == "refresher"
    assert review.days_until(cards["m1-q1"].due) >= 2 > review.days_until(cards["m1-q3"].due)
    assert review.sync(lin) == 0


def test_content_changes_reset_changed_answers_and_retire_removed_questions(
    setup, settings, content: Path, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b", "m1-q2": ["c"], "m1-q3": "一审"})
    review.sync(lin)
    before = {q: card_for(review, lin, q) for q in ("m1-q1", "m1-q2", "m1-q3")}
    quiz = content / "c1" / "01-m1" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    # q1: the key moves from a to b (the answer changed); q2: only the prompt is reworded; q3: removed.
    text = text.replace(
        "{id: a, text: {zh: 三审, en: Three}, correct: true}",
        "{id: a, text: {zh: 三审, en: Three}, feedback: {zh: 否, en: No}}",
    )
    text = text.replace("text: {zh: 一审, en: One}\n", "text: {zh: 一审, en: One}\n        correct: true\n", 1)
    text = text.replace(
        'prompt: {zh: 哪些人审？, en: "Who reviews?"}', 'prompt: {zh: 哪些人负责审核？, en: "Who does the reviews?"}'
    )
    text = text[: text.index("  - id: m1-q3")]
    quiz.write_text(text, encoding="utf-8")
    module = content / "c1" / "01-m1" / "module.yaml"
    module.write_text(module.read_text(encoding="utf-8").replace("draw: 3", "draw: 2"), encoding="utf-8")
    catalog = load_catalog(content)
    assert answer_fingerprint(catalog.module("c1", "m1").question("m1-q1")) != answer_fingerprint(
        review.catalog.module("c1", "m1").question("m1-q1")
    )
    edited = Review(open_db(settings.app_db), catalog, clock=clock)
    clock.now += DAY
    due = {c.question.id: c for c in edited.due(lin)}
    assert set(due) == {"m1-q2"}  # before the deck is reconciled, changed and removed questions are left out
    edited.sync(lin)
    due = {c.question.id: c for c in edited.due(lin)}
    assert set(due) == {"m1-q1", "m1-q2"}  # the removed question is never shown
    assert due["m1-q1"].reviews == before["m1-q1"].reviews and due["m1-q1"].stability is None  # reset: new
    assert due["m1-q2"].stability == before["m1-q2"].stability  # reworded prompt: the card survives
    with pytest.raises(CardGone):
        edited.card(lin, before["m1-q3"].id)
    with pytest.raises(CardGone):  # the page still showed the old question
        review.answer(lin, before["m1-q3"].id, before["m1-q3"].version, "三审三校")
    result = edited.answer(lin, due["m1-q1"].id, due["m1-q1"].version, "b")
    assert result.grade.correct and result.counted
    assert edited.reconcile(users["tom"]) == (0, 0)
    rows = edited.retention(lin)
    assert [(r.module, r.cards) for r in rows] == [("m1", 2)]


def test_roles_learners_their_own_deck_staff_read_everyone(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin, wu, tom, ada = users["lin"], users["wu"], users["tom"], users["ada"]
    practise(learning, lin, "m1", {"m1-q1": "b"})
    review.sync(lin)
    clock.now += DAY
    card = review.due(lin)[0]
    for call in (
        lambda: review.due(wu, "lin"),
        lambda: review.sync(wu, "lin"),
        lambda: review.card(wu, card.id),
        lambda: review.retention(wu, "lin"),
        lambda: review.upcoming(wu, "lin"),
        lambda: review.history(wu, card.id),
        lambda: review.answer(wu, card.id, card.version, "a"),
        lambda: review.retention_table(wu, "c1"),
        lambda: review.reconcile(lin),
    ):
        with pytest.raises(PermissionDenied):
            call()
    for staff in (tom, ada):
        assert [c.id for c in review.due(staff, "lin")] == [card.id]
        assert review.retention(staff, "lin")[0].due_today == 1
        with pytest.raises(PermissionDenied):  # staff read a learner's deck, never answer for them
            review.answer(staff, card.id, card.version, "a")
    table = review.retention_table(tom, "c1")
    assert [(r["username"], r["module"], r["cards"], r["due_today"]) for r in table] == [("lin", "m1", 1, 1)]
    assert table[0]["recall"] is not None and 0 < table[0]["recall"] < 100


def test_retention_and_upcoming_for_my_progress(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    practise(learning, lin, "m1", {"m1-q1": "b", "m1-q2": ["a"]})
    review.sync(lin)
    [row] = review.retention(lin)
    assert (row.module, row.cards, row.reviewed, row.due_today, row.overdue) == ("m1", 2, 2, 0, 0)
    assert row.recall is not None and row.recall == pytest.approx(1.0)  # just reviewed
    upcoming = dict(review.upcoming(lin, days=3))
    assert sum(upcoming.values()) == 2 and upcoming[review.review_day(clock.now) + dt.timedelta(days=1)] == 2
    clock.now += 3 * DAY
    [row] = review.retention(lin)
    assert row.overdue == 2 and row.due_today == 2 and row.recall is not None and row.recall < 0.9


# ---------------------------------------------------------------------- certificates and refreshers
def complete_course(learning: Learning, user: User) -> None:
    for module in ("m1", "m2"):
        learning.mark_read(user, "c1", module, "basics")
        attempt = learning.start(user, "c1", module)
        for shown in attempt.questions:
            learning.answer(user, attempt.id, shown.pos, RIGHT[shown.question.id])
        assert learning.submit(user, attempt.id).passed


def at_iso(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def test_add_months_keeps_the_day_or_takes_the_month_s_last() -> None:
    assert add_months("2027-01-31T08:00:00+00:00", 1) == "2027-02-28T08:00:00+00:00"
    assert add_months("2028-01-31T08:00:00+00:00", 1) == "2028-02-29T08:00:00+00:00"
    assert add_months("2027-03-15T08:00:00+00:00", 12) == "2028-03-15T08:00:00+00:00"
    assert add_months("2027-11-30T00:00:00+00:00", 3) == "2028-02-29T00:00:00+00:00"


def test_a_certificate_lapses_on_its_boundary_and_a_passed_refresher_renews_it(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    complete_course(learning, lin)
    cert = learning.certificate(lin, "c1")
    assert cert.expires_at == add_months(cert.issued_at, 12)  # the default validity
    ends = at_iso(cert.expires_at)
    assert cert.status(ends - 1) == "valid" and cert.status(ends) == "expired"
    refreshers = Refreshers(review)
    assert refreshers.offers(lin) == []  # a year left: no refresher yet
    with pytest.raises(RefresherNotDue):
        refreshers.start(lin, "c1")
    clock.now = ends - 61 * DAY
    assert refreshers.offers(lin) == []
    clock.now = ends - 60 * DAY
    [offer] = refreshers.offers(lin)
    assert offer.days_left == 60 and offer.code == cert.code

    failed = refreshers.start(lin, "c1")
    assert len(failed.questions) == 6  # the whole pool of both modules (fewer than 10)
    assert refreshers.start(lin, "c1").id == failed.id  # an open refresher resumes
    result = refreshers.submit(lin, failed.id, {q.id: WRONG[q.id] for q in failed.questions})
    assert result.passed is False and result.certificate is None
    assert learning.current_certificate(lin, "lin", "c1") == cert

    clock.now = ends  # lapsed: still renewable
    assert learning.verify_certificate(cert.code).status(clock.now) == "expired"  # type: ignore[union-attr]
    [offer] = refreshers.offers(lin)
    assert offer.days_left == 0
    second = refreshers.start(lin, "c1")
    assert second.id != failed.id
    passed = refreshers.submit(lin, second.id, {q.id: RIGHT[q.id] for q in second.questions})
    assert passed.passed and passed.certificate and passed.certificate != cert.code
    assert refreshers.submit(lin, second.id, {}).certificate == passed.certificate  # a second submit: same result
    old = learning.verify_certificate(cert.code)
    new = learning.verify_certificate(passed.certificate)
    assert old is not None and old.status(clock.now) == "superseded" and old.superseded_by == new.code  # type: ignore[union-attr]
    assert new is not None and new.status(clock.now) == "valid"
    assert new.expires_at == add_months(new.issued_at, 12)
    assert learning.certificate(lin, "c1").code == new.code  # the certificate shown is the renewed one
    assert refreshers.offers(lin) == []
    # Each refresher answer was also a review of the learner's cards (m1-q3 is no card: never missed).
    origins = review.db.execute("SELECT DISTINCT origin FROM review_log").fetchall()
    assert ("refresher",) in origins


def test_the_course_file_sets_the_validity(settings, content: Path, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    course_file = content / "c1" / "course.yaml"
    course_file.write_text(course_file.read_text(encoding="utf-8") + "certificate_months: 3\n", encoding="utf-8")
    catalog = load_catalog(content)
    assert catalog.course("c1").certificate_months == 3
    db = open_db(settings.app_db)
    lin = Accounts(db).create_user("lin", PASSWORD, "learner")
    learning = Learning(db, catalog, clock=clock)
    complete_course(learning, lin)
    cert = learning.certificate(lin, "c1")
    assert cert.expires_at == add_months(cert.issued_at, 3)


def test_refreshers_are_weighted_towards_weak_cards(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin = users["lin"]
    complete_course(learning, lin)  # every question a refresher card, answered right just now
    clock.now += 60
    practise(learning, lin, "m1", {"m1-q1": "b"})  # ... but m1-q1 missed since
    clock.now += 2 * DAY
    review.sync(lin)
    refreshers = Refreshers(review, size=1)
    course = review.catalog.course("c1")
    weak, strong = refreshers._weights("lin", "c1", [course.question("m1-q1"), course.question("m1-q2")])
    assert weak > 3 * strong
    rng = random.Random(7)
    picks = [refreshers.draw("lin", "c1", rng)[0].id for _ in range(600)]
    assert picks.count("m1-q1") > 1.5 * max(picks.count(q) for q in set(picks) - {"m1-q1"})
    assert len(set(picks)) == 6  # the strong ones still come up now and then


def test_trainers_assign_refreshers_and_see_certificates_expiring(setup, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    learning, review, users = setup
    lin, wu, tom = users["lin"], users["wu"], users["tom"]
    complete_course(learning, lin)
    cert = learning.certificate(lin, "c1")
    refreshers = Refreshers(review)
    with pytest.raises(PermissionDenied):
        refreshers.assign(lin, ["lin"], "c1")
    with pytest.raises(PermissionDenied):
        refreshers.expiring(lin, "c1")
    clock.now += DAY
    assert refreshers.assign(tom, ["lin", "wu"], "c1") == 2
    [offer] = refreshers.offers(lin)
    assert offer.assigned and offer.days_left > 300
    assert refreshers.offers(wu) == []  # no certificate: nothing to renew
    started = refreshers.start(lin, "c1")
    with pytest.raises(PermissionDenied):
        refreshers.get(wu, started.id)
    with pytest.raises(PermissionDenied):
        refreshers.submit(tom, started.id, {})
    assert refreshers.get(tom, started.id).id == started.id  # staff may read it
    assert refreshers.expiring(tom, "c1") == []
    clock.now = at_iso(cert.expires_at or "") - 45 * DAY
    [row] = refreshers.expiring(tom, "c1")
    assert (row["username"], row["band"], row["days_left"]) == ("lin", "60", 45)
    clock.now = at_iso(cert.expires_at or "") + DAY
    assert refreshers.expiring(tom, "c1")[0]["band"] == "expired"
