"""Trainer dashboard: gradebook, quiz analysis, knowledge gaps, usage, exports (trainers and admins;
``trainer.analytics.reports`` checks the role again in every function)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages import ui
from knowledge.errors import KnowledgeError
from trainer.analytics import reports
from trainer.analytics.itemstats import MIN_ATTEMPTS
from trainer.errors import TrainerError
from trainer.learning.quiz import STAFF
from trainer.learning.review import Refreshers

user = ui.page_user(*STAFF)
svc = ui.services()
L = ui.lang()
DASH = "–"

st.title(ui.tr("dashboard_title"))
learning = ui.learning_or_stop()

courses = {c.id: c for c in learning.catalog.courses}
course_id = next(iter(courses))
if len(courses) > 1:
    course_id = st.selectbox(
        ui.tr("course"), list(courses), format_func=lambda c: courses[c].title.get(L), placeholder=ui.tr("choose_one")
    )
course = courses[course_id]
# The one switch for every learner statistic on this page and in its exports.
staff = st.toggle(ui.tr("include_staff"), key="include_staff", help=ui.tr("include_staff_help"))


def embed_questions(texts: list[str]) -> list:  # type: ignore[type-arg]
    # Questions compared with questions: both sides embedded as queries.
    return [svc.kb.embedder.embed_query(text) for text in texts]


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


module_titles = {m.id: f"{m.order}. {m.title.get(L)}" for m in course.modules}
# A question as people know it: its module's number and its place in the module ("1.3"), never its id.
question_numbers = {q.id: f"{m.order}.{n}" for m in course.modules for n, q in enumerate(m.questions, 1)}
prompts = {q.id: q.prompt.get(L) for m in course.modules for q in m.questions}

tabs = st.tabs(
    [
        ui.tr("tab_gradebook"),
        ui.tr("tab_items"),
        ui.tr("tab_gaps"),
        ui.tr("tab_usage"),
        ui.tr("tab_retention"),
        ui.tr("tab_exports"),
    ],
    key="dashboard_tabs",
)

# ------------------------------------------------------------------ gradebook
with tabs[0]:
    group_names = reports.groups(user, svc.accounts)
    everyone = ui.tr("all_groups")
    group = st.selectbox(ui.tr("group"), [everyone, *group_names], key="gb_group", placeholder=ui.tr("choose_one"))
    rows = reports.gradebook(
        user, learning, svc.accounts, course_id, group=None if group == everyone else group, include_staff=staff
    )
    if not rows:
        st.info(ui.tr("no_learners"))
    else:
        frame = pd.DataFrame([r.as_dict() for r in rows])
        frame["module"] = frame["module"].map(module_titles)

        def cell(r: pd.Series) -> str:
            mark = "✓" if r["completed"] else ("○" if r["passed"] else "")
            grade = DASH if pd.isna(r["grade"]) else f"{r['grade']:.0f}%"
            return f"{grade} {mark} ({r['attempts']})".replace("  ", " ")

        frame["cell"] = frame.apply(cell, axis=1)
        frame["name"] = frame["name"].replace("", DASH)
        frame["department"] = frame["department"].replace("", DASH)
        table = frame.pivot_table(
            index=["username", "name", "department"], columns="module", values="cell", aggfunc="first", sort=False
        )
        overdue = frame.groupby("username")["overdue"].any()
        due = frame.groupby("username")["due"].first()
        table.insert(0, ui.tr("due"), [due[u] or DASH for u, _, _ in table.index])
        table.insert(1, ui.tr("overdue"), ["⚠" if overdue[u] else "" for u, _, _ in table.index])
        table = table.reset_index().rename(
            columns={"username": ui.tr("username"), "name": ui.tr("full_name"), "department": ui.tr("department")}
        )
        table.columns.name = None
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(ui.tr("gradebook_legend"))

        st.subheader(ui.tr("learner_detail"))
        who = st.selectbox(
            ui.tr("pick_user"),
            sorted({r.username for r in rows}),
            index=None,
            key="gb_learner",
            placeholder=ui.tr("choose_one"),
        )
        if who:
            detail = reports.attempt_rows(user, learning, course_id, username=who)
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            ui.tr("col_attempt"): d["attempt"],
                            ui.tr("module"): module_titles.get(d["module"], d["module"]),
                            ui.tr("col_mode"): ui.tr("mode_" + d["mode"]),
                            ui.tr("col_status"): ui.tr("status_" + d["status"]),
                            ui.tr("col_submitted"): d["submitted"][:16].replace("T", " ") or DASH,
                            ui.tr("col_position"): d["position"],
                            ui.tr("col_question_no"): question_numbers.get(d["question"], DASH),
                            ui.tr("col_prompt"): prompts.get(d["question"], DASH),
                            ui.tr("col_response"): d["response"] or DASH,
                            ui.tr("col_mark"): DASH if d["mark"] is None else f"{d['mark']:g} / {d['max_mark']:g}",
                        }
                        for d in detail
                    ]
                ),
                hide_index=True,
                width="stretch",
            )

# ------------------------------------------------------------------ quiz analysis
with tabs[1]:
    module_id = st.selectbox(
        ui.tr("module"),
        list(module_titles),
        format_func=module_titles.__getitem__,
        key="ia_module",
        placeholder=ui.tr("choose_one"),
    )
    result = reports.item_analysis(user, learning, course_id, module_id, include_staff=staff)
    if result.analysis is None:
        st.info(ui.tr("ia_no_attempts"))
    else:
        quiz = result.analysis.quiz
        if quiz.attempts < MIN_ATTEMPTS:
            st.warning(ui.tr("few_attempts", n=quiz.attempts, min=MIN_ATTEMPTS))
        st.write(
            ui.tr(
                "quiz_stats",
                n=quiz.attempts,
                mean=percent(quiz.mean),
                sd=percent(quiz.sd),
                alpha=percent(quiz.alpha),
                er=percent(quiz.error_ratio),
                se=percent(quiz.standard_error),
            )
        )
        why = reports.distinct_notes(quiz.notes, L)
        if why:
            st.caption(ui.tr("quiz_notes", why="；".join(why) if L == "zh" else "; ".join(why)))
        module = course.module(module_id)

        def flag_texts(flags: tuple[str, ...]) -> str:
            return " · ".join(ui.tr("flag_" + f) for f in flags) or DASH

        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.tr("col_question_no"): question_numbers.get(q.question, DASH),
                        ui.tr("col_prompt"): prompts.get(q.question, DASH),
                        ui.tr("col_n"): q.n,
                        ui.tr("col_facility"): percent(q.facility),
                        ui.tr("col_sd"): percent(q.sd),
                        ui.tr("col_discrimination"): percent(q.discrimination),
                        ui.tr("col_efficiency"): percent(q.efficiency),
                        ui.tr("col_flags"): flag_texts(q.flags),
                        ui.tr("col_notes"): " · ".join(reports.distinct_notes(q.notes, L)) or DASH,
                    }
                    for q in result.analysis.questions
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        flagged = [q for q in result.analysis.questions if q.flags]
        if flagged:
            st.subheader(ui.tr("flagged"))
            for q in flagged:
                number = question_numbers.get(q.question, DASH)
                st.markdown(
                    f"- **{number}** {ui.md_escape(prompts.get(q.question, ''))}：{ui.md_escape(flag_texts(q.flags))}"
                )
        for qid, table in result.options.items():
            label = f"{question_numbers.get(qid, DASH)} · {prompts.get(qid, '')}"
            with st.expander(ui.md_escape(ui.tr("distractors", q=label))):
                question = module.question(qid)
                texts = {o.id: o.text.get(L) for o in question.options}  # type: ignore[union-attr]
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                ui.tr("col_option"): r.option.upper(),
                                ui.tr("col_option_text"): texts.get(r.option, DASH),
                                ui.tr("col_correct"): "✓" if r.correct else "",
                                ui.tr("col_count"): r.count,
                                "%": percent(r.percent),
                            }
                            for r in table.rows
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )

# ------------------------------------------------------------------ knowledge gaps
with tabs[2]:
    st.caption(ui.tr("gaps_intro"))
    try:
        items = reports.gap_items(user, svc.kb, svc.db)
        clusters = reports.cluster_gaps(items, embed_questions)
    except (KnowledgeError, TrainerError) as exc:
        st.error(ui.md_escape(ui.error_text(exc)))
        clusters = []
    if not clusters:
        st.info(ui.tr("no_gaps"))
    for n, cluster in enumerate(clusters[:30]):
        kinds = " / ".join(reports.outcome_label(k, L) for k in cluster.kinds())
        with st.expander(ui.md_escape(f"{cluster.question} · {ui.tr('times_asked', n=cluster.count)} · {kinds}")):
            trend = cluster.trend()
            st.caption(ui.tr("weekly_trend", this=trend[-1], last=trend[-2], total=sum(trend)))
            if cluster.closest:
                st.markdown(ui.tr("closest_docs") + " " + ui.md_escape(", ".join(cluster.closest)))
            st.markdown(f"**{ui.tr('wordings')}**")
            for item in cluster.items[:10]:
                reason = f" — {item.reason}" if item.reason else ""
                kind = reports.outcome_label(item.kind, L)
                st.markdown("- " + ui.md_escape(f"{item.question} ({kind}, {item.asked_at[:10]}){reason}"))
            with st.form(f"gap:{n}"):
                answer = st.text_area(ui.tr("faq_answer"), key=f"gap_answer:{n}")
                source = st.text_input(ui.tr("faq_source"), value=", ".join(cluster.closest[:1]), key=f"gap_src:{n}")
                cols = st.columns(2)
                save = cols[0].form_submit_button(ui.tr("make_faq"), type="primary")
                done = cols[1].form_submit_button(ui.tr("mark_handled"))
            try:
                if save:
                    reports.answer_gap(user, svc.kb, svc.db, cluster, answer, source)
                    st.session_state["gaps_flash"] = ui.tr("faq_saved")
                    st.rerun()
                if done:
                    reports.mark_handled(user, svc.kb, svc.db, cluster.items)
                    st.session_state["gaps_flash"] = ui.tr("handled")
                    st.rerun()
            except (KnowledgeError, TrainerError) as exc:
                st.error(ui.md_escape(ui.error_text(exc)))
    flash = st.session_state.pop("gaps_flash", "")
    if flash:
        st.success(flash)

# ------------------------------------------------------------------ usage
with tabs[3]:
    stats = reports.usage(user, svc.db, include_staff=staff)
    days = pd.DataFrame(stats["days"]).set_index("day")
    days.index.name = ui.tr("date_col")  # the charts' x-axis title
    st.subheader(ui.tr("asked_per_day"))
    outcomes = {o: reports.outcome_label(o, L) for o in reports.OUTCOMES}
    st.bar_chart(
        days[list(outcomes)].rename(columns=outcomes),
        stack=True,
        color=["#2e7d32", "#f9a825", "#c62828"],  # answered green, related amber, not found red (as on Ask)
    )
    st.subheader(ui.tr("active_per_day"))
    st.line_chart(days[["active"]].rename(columns={"active": ui.tr("active_people")}))
    if stats["top_documents"]:
        st.subheader(ui.tr("top_documents"))
        st.dataframe(
            pd.DataFrame(stats["top_documents"], columns=[ui.tr("file"), ui.tr("col_citations")]),
            hide_index=True,
            width="stretch",
        )

# ------------------------------------------------------------------ retention
deck = ui.review()
refreshers = Refreshers(deck)
with tabs[4]:
    st.caption(ui.tr("rt_intro"))
    rt_group = st.selectbox(ui.tr("group"), [everyone, *group_names], key="rt_group", placeholder=ui.tr("choose_one"))
    chosen_group = None if rt_group == everyone else rt_group
    try:
        retention = reports.retention_rows(
            user, deck, svc.accounts, course_id, group=chosen_group, include_staff=staff
        )  # fmt: skip
        expiring = reports.expiring_rows(
            user, refreshers, svc.accounts, course_id, group=chosen_group, include_staff=staff
        )  # fmt: skip
    except TrainerError as exc:
        st.error(ui.md_escape(ui.error_text(exc)))
        retention, expiring = [], []
    st.subheader(ui.tr("rt_expiring"))
    counts = reports.expiry_counts(expiring)
    cols = st.columns(4)
    for col, band in zip(cols, reports.EXPIRY_BANDS, strict=False):
        col.metric(ui.tr("rt_within", n=band), counts[str(band)])
    cols[3].metric(ui.tr("rt_lapsed"), counts["lapsed"])
    if expiring:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.tr("username"): r["username"],
                        ui.tr("full_name"): r["name"] or DASH,
                        ui.tr("department"): r["department"] or DASH,
                        ui.tr("rt_expires"): r["expires"],
                        ui.tr("rt_days_left"): r["days_left"],
                        ui.tr("rt_code"): r["code"],
                    }
                    for r in expiring
                ]
            ),
            hide_index=True,
            width="stretch",
        )

    st.subheader(ui.tr("rt_recall"))
    if not retention:
        st.info(ui.tr("rt_none"))
    else:
        people = {r["username"] for r in retention}
        reviewed = [r["recall"] for r in retention if r["recall"] is not None]
        cols = st.columns(3)
        cols[0].metric(ui.tr("rt_learners"), len(people))
        cols[1].metric(ui.tr("retention_recall"), f"{sum(reviewed) / len(reviewed):.0f}%" if reviewed else DASH)
        cols[2].metric(ui.tr("rt_overdue_cards"), sum(r["overdue"] for r in retention))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.tr("username"): r["username"],
                        ui.tr("full_name"): r["name"] or DASH,
                        ui.tr("department"): r["department"] or DASH,
                        ui.tr("module"): module_titles.get(r["module"], r["module"]),
                        ui.tr("retention_cards"): r["cards"],
                        ui.tr("rt_recall_col"): DASH if r["recall"] is None else f"{r['recall']:.0f}%",
                        ui.tr("review_due_today"): r["due_today"],
                        ui.tr("retention_overdue"): r["overdue"],
                    }
                    for r in retention
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(ui.tr("retention_help"))

    st.subheader(ui.tr("rt_assign_title"))
    st.caption(ui.tr("rt_assign_help"))
    everybody = [u for u in svc.accounts.users() if u.active and (staff or u.role == "learner")]
    names = {u.username: f"{u.name} ({u.username})" if u.name else u.username for u in everybody}
    with st.form("rt_assign"):
        assign_group = st.selectbox(
            ui.tr("assign_group"), group_names, index=None, key="rt_assign_group", placeholder=ui.tr("choose_one")
        )
        picked = st.multiselect(
            ui.tr("assign_people"),
            list(names),
            format_func=names.__getitem__,
            key="rt_assign_people",
            placeholder=ui.tr("choose_many"),
            select_all=False,  # Streamlit's own "Select all" is English only
        )
        assign_due = st.date_input(ui.tr("due"), value=None, key="rt_assign_due")
        if st.form_submit_button(ui.tr("rt_assign_button")):
            wanted = set(picked) | {u.username for u in everybody if assign_group and u.department == assign_group}
            if not wanted:
                st.warning(ui.tr("rt_assign_nobody"))
            else:
                try:
                    n, skipped = reports.assign_refresher(
                        ui.still(svc, user, *STAFF), refreshers, svc.accounts, course_id, wanted, assign_due
                    )
                except TrainerError as exc:
                    st.error(ui.md_escape(ui.error_text(exc)))
                else:
                    st.success(ui.tr("rt_assigned", n=n))
                    if skipped:
                        who = ("、" if L == "zh" else ", ").join(skipped)
                        st.info(ui.md_escape(ui.tr("rt_no_certificate", n=len(skipped), who=who)))

# ------------------------------------------------------------------ exports
with tabs[5]:
    stamp = dt.date.today().isoformat()

    # Each download builds only its own sheet, when clicked; the gaps reuse the clusters of the Gaps tab.
    # The click may come after the viewer lost the role: every builder checks the account as it is then.
    builders = {
        "gradebook": lambda: [
            r.as_dict()
            for r in reports.gradebook(
                ui.still(svc, user, *STAFF), learning, svc.accounts, course_id, include_staff=staff
            )
        ],
        "attempts": lambda: reports.attempt_rows(ui.still(svc, user, *STAFF), learning, course_id, include_staff=staff),
        "items": lambda: [
            row
            for m in course.modules
            for row in reports.item_rows(
                reports.item_analysis(ui.still(svc, user, *STAFF), learning, course_id, m.id, include_staff=staff)
            )
        ],
        "gaps": lambda: reports.gap_rows(clusters, L) if ui.still(svc, user, *STAFF) else [],
        "retention": lambda: reports.retention_rows(
            ui.still(svc, user, *STAFF), deck, svc.accounts, course_id, include_staff=staff
        ),
        "expiring": lambda: reports.expiring_rows(
            ui.still(svc, user, *STAFF), refreshers, svc.accounts, course_id, include_staff=staff
        ),
    }

    labels = {
        "gradebook": ui.tr("export_gradebook"),
        "attempts": ui.tr("export_attempts"),
        "items": ui.tr("export_items"),
        "gaps": ui.tr("export_gaps"),
        "retention": ui.tr("export_retention"),
        "expiring": ui.tr("export_expiring"),
    }
    cols = st.columns(len(labels))
    for col, (name, label) in zip(cols, labels.items(), strict=True):
        col.download_button(
            f"{label} (CSV)",
            data=lambda name=name: reports.to_csv(builders[name]()),
            file_name=f"{name}-{course_id}-{stamp}.csv",
            mime="text/csv",
            key=f"export:{name}",
            on_click="ignore",
        )
    st.download_button(
        ui.tr("export_all_xlsx"),
        data=lambda: reports.to_xlsx({name: build() for name, build in builders.items()}),
        file_name=f"govmedia-{course_id}-{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="export:xlsx",
        type="primary",
        on_click="ignore",
    )
