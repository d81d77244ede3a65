"""Account health: import publishing records, the district overview, one account's report and its training.

A thin page over ``desk.health`` (reading, measures, storage and the role rules: trainers and
admins see every account, a learner the accounts they manage). Account names and titles come from
uploaded files: they are shown only in tables, charts and through ``ui.md_escape``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import ui
from desk import health
from desk.health_kinds import KINDS
from trainer.analytics import reports
from trainer.errors import TrainerError

user = ui.page_user("learner", "trainer", "admin")
svc = ui.services()
store = health.HealthStore(svc.db)
L = ui.lang()
staff = user.can(*health.STAFF)

st.title(ui.tr("health_title"))
st.caption(ui.tr("health_caption"))
st.caption(ui.tr("health_veto_note"))
if not staff:
    st.info(ui.tr("health_learner_note"))

today = health.today_cst()
cols = st.columns(4)
as_of = cols[0].date_input(ui.tr("health_as_of"), value=today, key="health_as_of")
# Empty: the year up to the monitoring date, so the period follows a changed monitoring date.
start = cols[1].date_input(ui.tr("health_start"), value=None, key="health_start", help=ui.tr("health_start_help"))
end = cols[2].date_input(ui.tr("health_end"), value=None, key="health_end", help=ui.tr("health_end_help"))
next_check = cols[3].date_input(ui.tr("health_next_check"), value=None, key="health_next_check")
window: dict[str, Any] = {
    "as_of": as_of,
    "start": start or (end or as_of) - dt.timedelta(days=364),
    "end": end or as_of,
    "next_check": next_check,
}

tab_overview, tab_account, tab_import = st.tabs(
    [ui.tr("health_tab_overview"), ui.tr("health_tab_account"), ui.tr("health_tab_import")]
)
LIGHT_COLOURS = {"red": "#fde2e1", "amber": "#fff1cc", "green": "#e3f4e1", "grey": "#f0f0f0"}


def light_style(value: object) -> str:
    for light, colour in LIGHT_COLOURS.items():
        if value == ui.tr(f"health_light_{light}"):
            return f"background-color: {colour}"
    return ""


# ---------------------------------------------------------------------- district overview
with tab_overview:
    overview = store.overview(user, **window)
    if not overview:
        st.info(ui.tr("health_no_accounts"))
    else:
        groups = sorted({r.department for r in overview if r.department})
        chosen = st.multiselect(
            ui.tr("health_filter"), groups, key="health_filter", placeholder=ui.tr("choose_many"), select_all=False
        )
        shown = [r for r in overview if not chosen or r.department in chosen]
        table = pd.DataFrame(health.overview_rows(shown, L))
        light_cols = [ui.tr(f"health_m_{m}") for m in health.MEASURES]
        st.dataframe(table.style.map(light_style, subset=light_cols), hide_index=True, width="stretch")
        st.download_button(
            ui.tr("health_export"),
            data=lambda: reports.to_xlsx(
                {
                    ui.tr("health_tab_overview"): health.overview_rows(
                        [
                            r
                            for r in store.overview(ui.still(svc, user, "learner", "trainer", "admin"), **window)
                            if not chosen or r.department in chosen
                        ],
                        L,
                    )
                }
            ),  # fmt: skip
            file_name=f"account-health-{as_of.isoformat()}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="health_export",
            on_click="ignore",
        )
        st.subheader(ui.tr("health_at_risk_title"))
        risky = [r for r in shown if r.at_risk]
        if not risky:
            st.success(ui.tr("health_at_risk_none"))
        for r in risky:
            first = next((f for f in r.findings if f.measure in ("update", "next_check")), None)
            reason = health.finding_text(first, L) if first else ui.tr("health_light_red")
            st.markdown(ui.md_escape(f"- {r.account}: {reason}"))


# ---------------------------------------------------------------------- one account
def save_managers(account_id: int) -> None:
    try:
        store.set_managers(user, account_id, st.session_state.get("health_managers", []))
    except TrainerError as exc:
        st.session_state["health_account_error"] = ui.error_text(exc)
    else:
        st.session_state["health_account_flash"] = ui.tr("health_managers_saved")


def assign(account_id: int, finding: health.Finding) -> None:
    try:
        names = store.assign_module(user, account_id, finding.module, finding.measure)
    except TrainerError as exc:
        st.session_state["health_account_error"] = ui.error_text(exc)
    else:
        order, _, _ = health.module_label(finding.module, finding.lesson, L)
        st.session_state["health_account_flash"] = ui.tr("health_assigned", order=order, names=", ".join(names))


def charts(report: health.AccountReport) -> None:
    """Vega-Lite charts (the library Streamlit draws with); field names are the axis titles, in the
    interface language, so tooltips and axes read the same."""
    weekdays = ui.tr("health_weekdays").split(",")
    posts, hour, week = ui.tr("health_axis_posts"), ui.tr("health_axis_hour"), ui.tr("health_axis_week")
    weekday, reads_name = ui.tr("health_axis_weekday"), ui.tr("health_axis_reads")
    kind, cues = ui.tr("health_axis_kind"), ui.tr("health_axis_cues")

    st.subheader(ui.tr("health_chart_weeks"))
    weeks = pd.DataFrame([(w.isoformat(), n) for w, n in report.weeks], columns=[week, posts])
    st.altair_chart(
        alt.Chart(weeks).mark_bar().encode(x=alt.X(f"{week}:T"), y=alt.Y(f"{posts}:Q"), tooltip=[week, posts]),
        width="stretch",
    )
    st.subheader(ui.tr("health_chart_heat"))
    heat = pd.DataFrame(
        [(weekdays[d], h, report.heat.get((d, h), 0)) for d in range(7) for h in range(24)],
        columns=[weekday, hour, posts],
    )
    st.altair_chart(
        alt.Chart(heat)
        .mark_rect()
        .encode(
            x=alt.X(f"{hour}:O"),
            y=alt.Y(f"{weekday}:O", sort=weekdays),
            color=alt.Color(f"{posts}:Q", scale=alt.Scale(scheme="oranges")),
            tooltip=[weekday, hour, posts],
        ),
        width="stretch",
    )
    st.subheader(ui.tr("health_chart_reads"))
    if report.reads_by_hour:
        reads = pd.DataFrame(list(report.reads_by_hour.items()), columns=[hour, reads_name])
        st.altair_chart(
            alt.Chart(reads)
            .mark_bar()
            .encode(
                x=alt.X(f"{hour}:O", scale=alt.Scale(domain=list(range(24)))),
                y=alt.Y(f"{reads_name}:Q"),
                tooltip=[hour, reads_name],
            ),
            width="stretch",
        )
    else:
        st.caption(ui.tr("health_no_reads"))
    st.subheader(ui.tr("health_chart_mix"))
    mix = pd.DataFrame(
        [(ui.tr(f"health_kind_{k}"), report.mix.get(k, 0), ", ".join(report.kind_cues.get(k, []))) for k in KINDS],
        columns=[kind, posts, cues],
    )
    st.altair_chart(
        alt.Chart(mix)
        .mark_bar()
        .encode(x=alt.X(f"{posts}:Q"), y=alt.Y(f"{kind}:N", sort="-x"), tooltip=[kind, posts, cues]),
        width="stretch",
    )
    st.dataframe(mix, hide_index=True, width="stretch")


def gap_line(g: health.Gap) -> str:
    values = {"after": g.after.isoformat(), "days": g.days, "veto_from": g.veto_from.isoformat()}
    if g.before is None:
        return ui.tr("health_gap_open", **values)
    return ui.tr("health_gap_line", before=g.before.isoformat(), **values)


with tab_account:
    visible = store.accounts(user)
    if not visible:
        st.info(ui.tr("health_no_accounts"))
    else:
        names = {a["id"]: a["name"] for a in visible}
        account_id = st.selectbox(ui.tr("health_pick_account"), list(names), format_func=names.__getitem__,
                                  key="health_account")  # fmt: skip
        account = next(a for a in visible if a["id"] == account_id)
        if st.session_state.get("health_account_error"):
            st.error(st.session_state.pop("health_account_error"))
        if st.session_state.get("health_account_flash"):
            st.success(st.session_state.pop("health_account_flash"))
        report = store.report(user, int(account_id), **window)
        m = st.columns(5)
        m[0].metric(ui.tr("health_metric_posts"), report.posts)
        m[1].metric(ui.tr("health_metric_per_week"), f"{report.per_week:.1f}")
        m[2].metric(ui.tr("health_metric_per_month"), f"{report.per_month:.1f}")
        m[3].metric(ui.tr("health_metric_last"), report.last_post.isoformat() if report.last_post else "–")
        m[4].metric(ui.tr("health_metric_publish_by"), report.publish_by.isoformat() if report.publish_by else "–")
        if report.original_share is not None:
            st.caption(f"{ui.tr('health_metric_original')}: {report.original_share:.0%}")

        if staff:
            people = [u.username for u in svc.accounts.users() if u.active]
            current = [u for u in account["managers"] if u in people]
            st.session_state.setdefault("health_managers", current)
            if st.session_state.get("health_managers_for") != account_id:
                st.session_state["health_managers"] = current
                st.session_state["health_managers_for"] = account_id
            c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
            c1.multiselect(
                ui.tr("health_managers"),
                people,
                key="health_managers",
                placeholder=ui.tr("choose_many"),
                select_all=False,
            )
            c2.button(ui.tr("health_managers_save"), key="health_managers_save", on_click=save_managers,
                      args=(int(account_id),))  # fmt: skip
        else:
            st.caption(ui.md_escape(f"{ui.tr('health_managers')}: {', '.join(account['managers'])}"))

        st.subheader(ui.tr("health_findings_title"))
        if not report.findings:
            st.success(ui.tr("health_no_findings"))
        for i, f in enumerate(report.findings):
            box = st.error if f.level == "red" else st.warning
            box(f"**{ui.tr('health_m_' + f.measure)}** · {ui.md_escape(health.finding_text(f, L))}  \n"
                f"{ui.md_escape(health.finding_module_text(f, L))}")  # fmt: skip
            if staff:
                order, _, _ = health.module_label(f.module, f.lesson, L)
                st.button(
                    ui.tr("health_assign_button", order=order),
                    key=f"health_assign:{i}:{f.measure}",
                    on_click=assign,
                    args=(int(account_id), f),
                    disabled=not account["managers"],
                )
        if staff and report.findings and not account["managers"]:
            st.caption(ui.tr("health_managers_none"))
        training = store.training(user, int(account_id))
        if training:
            st.markdown(f"**{ui.tr('health_training_title')}**")
            for t in training:
                order, module, _ = health.module_label(t["module"], "", L)
                line = ui.tr("health_training_line", username=t["username"], order=order, module=module,
                             by=t["assigned_by"], at=t["at"][:10])  # fmt: skip
                st.markdown(ui.md_escape("- " + line))

        if report.replies is not None and report.replies.messages:
            st.markdown(ui.md_escape(ui.tr("health_replies", **report.replies.as_json())))
        else:
            st.caption(ui.tr("health_replies_none"))

        st.subheader(ui.tr("health_gaps_title"))
        if report.gaps:
            for g in report.gaps:
                st.markdown(ui.md_escape("- " + gap_line(g)))
        else:
            st.caption(ui.tr("health_gaps_none"))
        if report.longest_gaps:
            st.markdown(f"**{ui.tr('health_longest_title')}**")
            for g in report.longest_gaps:
                st.markdown(ui.md_escape("- " + gap_line(g)))
        charts(report)


# ---------------------------------------------------------------------- import
FIELD_CHOICES = ["", *health.FIELDS, *(f for f in health.ACCOUNT_FIELDS if f not in health.FIELDS)]
field_names = {f: ui.tr(f"health_field_{f}") if f else ui.tr("health_field_ignore") for f in FIELD_CHOICES}


def save_import() -> None:
    upload = st.session_state.get("health_upload")
    if not upload:
        return
    name, data = upload
    try:
        parsed = health.parse(name, data, overrides(), account=st.session_state.get("health_account_name", ""))
        result = store.save(user, parsed)
    except TrainerError as exc:
        st.session_state["health_import_error"] = ui.error_text(exc)
        return
    st.session_state.pop("health_upload", None)
    st.session_state["health_import_flash"] = ui.tr(
        "health_saved", rows=result.rows, added=result.added, accounts=", ".join(result.accounts)
    )


def overrides() -> dict[str, str]:
    """The user's choices for the columns that were not recognised."""
    out = {}
    for key, value in st.session_state.items():
        if isinstance(key, str) and key.startswith("health_map:") and value:
            out[key.removeprefix("health_map:")] = str(value)
    return out


with tab_import:
    ui.uploader_in_language("health_file", health.MAX_BYTES // 1048576, ["xlsx", "csv"])
    file = st.file_uploader(
        ui.tr("health_upload"), type=["xlsx", "csv"], max_upload_size=health.MAX_BYTES // 1048576, key="health_file"
    )
    if file is not None and (st.session_state.get("health_upload") or ("", b""))[0] != file.name:
        st.session_state["health_upload"] = (file.name, file.getvalue())
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith("health_map:")]:
            del st.session_state[key]
        st.session_state["health_account_name"] = file.name.rsplit(".", 1)[0]
    if st.session_state.get("health_import_error"):
        st.error(ui.md_escape(st.session_state.pop("health_import_error")))
    if st.session_state.get("health_import_flash"):
        st.success(ui.md_escape(st.session_state.pop("health_import_flash")))
    upload = st.session_state.get("health_upload")
    if upload:
        name, data = upload
        try:
            found = health.preview(name, data, overrides(), usable=False)
            as_found = health.preview(name, data, usable=False)
        except TrainerError as exc:
            st.error(ui.md_escape(ui.error_text(exc)))
        else:
            st.subheader(ui.tr("health_preview_title"))
            for table in found.tables:
                st.markdown(ui.md_escape(ui.tr("health_sheet", sheet=table.sheet,
                                               role=ui.tr(f"health_role_{table.role}"))))  # fmt: skip
                if not table.columns:
                    continue
                pairs = ", ".join(f"{table.columns[i]} → {field_names[f]}" for f, i in table.mapping.items())
                st.caption(ui.md_escape(ui.tr("health_mapping", pairs=pairs)))
                rows = found.sample.get(table.sheet, [])
                width = len(table.columns)
                headers = [
                    f"{c or '#' + str(i + 1)} → {field_names[table.field_of_column(i)]}"
                    for i, c in enumerate(table.columns)
                ]
                frame = pd.DataFrame(
                    [[("" if v is None else str(v)) for v in (list(r) + [None] * width)[:width]] for r in rows],
                    columns=pd.Index(headers),
                )
                st.dataframe(frame, hide_index=True, width="stretch")
                if table.unrecognised:
                    st.warning(ui.md_escape(ui.tr("health_unrecognised", columns=", ".join(table.unrecognised))))
            # Every column not recognised at first, on any sheet: the user says what it holds.
            loose = sorted({c for t in as_found.tables for c in t.unrecognised})
            for column in loose:
                st.selectbox(ui.tr("health_map_column", column=column), FIELD_CHOICES,
                             format_func=field_names.__getitem__, key=f"health_map:{column}")  # fmt: skip
            if not found.usable:
                try:
                    health.preview(name, data, overrides())
                except TrainerError as exc:
                    st.error(ui.md_escape(ui.error_text(exc)))
            else:
                if found.needs_account:
                    st.text_input(ui.tr("health_account_name"), key="health_account_name", max_chars=100)
                st.button(ui.tr("health_save"), key="health_save", on_click=save_import, type="primary")
