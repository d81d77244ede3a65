"""Interface text in Simplified Chinese and English.

Every label the app shows lives here, keyed by a short id, so a page cannot show one language
in one place and another elsewhere, and a test can check that both languages are complete.
"""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    # shell
    "app_title": {"zh": "政务新媒体学院", "en": "GovMedia Academy"},
    "language": {"zh": "界面语言", "en": "Language"},
    "signed_in_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "sign_out": {"zh": "退出登录", "en": "Sign out"},
    "session_expired": {
        "zh": "由于长时间未操作，您已自动退出，请重新登录。",
        "en": "You were signed out after a period of inactivity. Please sign in again.",
    },
    "role_learner": {"zh": "学员", "en": "learner"},
    "role_trainer": {"zh": "培训师", "en": "trainer"},
    "role_admin": {"zh": "管理员", "en": "admin"},
    "page_ask": {"zh": "问答", "en": "Ask"},
    "page_library": {"zh": "知识库", "en": "Library"},
    "page_people": {"zh": "人员", "en": "People"},
    "page_account": {"zh": "我的账号", "en": "My account"},
    "page_sign_in": {"zh": "登录", "en": "Sign in"},
    "not_allowed": {"zh": "您的角色无权使用此页面。", "en": "Your role may not use this page."},
    # sign-in and first start
    "first_admin_title": {"zh": "创建第一个管理员账号", "en": "Create the first administrator"},
    "first_admin_intro": {
        "zh": "系统中还没有任何账号。请为自己创建管理员账号，之后可在“人员”页面添加其他人员。",
        "en": "There are no accounts yet. Create your administrator account; add everyone else on the People page.",
    },
    "username": {"zh": "用户名", "en": "User name"},
    "full_name": {"zh": "姓名", "en": "Full name"},
    "password": {"zh": "密码", "en": "Password"},
    "password_again": {"zh": "再次输入密码", "en": "Password again"},
    "password_rules": {
        "zh": "至少10个字符，且不能包含用户名。",
        "en": "At least 10 characters, not containing the user name.",
    },
    "passwords_differ": {"zh": "两次输入的密码不一致。", "en": "The two passwords differ."},
    "create_admin": {"zh": "创建管理员并登录", "en": "Create administrator and sign in"},
    "sign_in_title": {"zh": "登录政务新媒体学院", "en": "Sign in to GovMedia Academy"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sso_sign_in": {"zh": "使用单位统一身份认证登录", "en": "Sign in with your organisation's account"},
    "sso_no_account": {
        "zh": "统一身份认证已通过（{email}），但本系统中没有对应账号。请联系管理员以此邮箱创建账号。",
        "en": "You are signed in as {email}, but there is no account for it here. Ask an administrator to add one.",
    },
    # ask
    "ask_title": {"zh": "向知识库提问", "en": "Ask the knowledge base"},
    "ask_caption": {
        "zh": "回答只来自已收录的文件，并注明出处；找不到依据时会如实告知。",
        "en": "Answers come only from the loaded documents, with sources; if nothing supports an answer, it says so.",
    },
    "ask_placeholder": {"zh": "例如：网民留言需要多久内回复？", "en": "e.g. How fast must we answer a message?"},
    "examples": {"zh": "可以这样问：", "en": "Try asking:"},
    "example_1": {"zh": "网民留言需要多久内回复？", "en": "How quickly must we reply to a message from the public?"},
    "example_2": {"zh": "发布前需要几审？", "en": "How many reviews does a post need before publishing?"},
    "example_3": {"zh": "账号密码多久更换一次？", "en": "How often must the account password be changed?"},
    "example_4": {"zh": "一天中什么时间发布效果最好？", "en": "What time of day should we publish?"},
    "sources": {"zh": "出处", "en": "Sources"},
    "page_short": {"zh": "第{page}页", "en": "p. {page}"},
    "download_original": {"zh": "下载原文件", "en": "Download original"},
    "download_page": {"zh": "下载第{page}页", "en": "Download page {page}"},
    "not_found_title": {"zh": "知识库中没有找到依据", "en": "Not found in the knowledge base"},
    "closest_docs": {"zh": "最接近的文件：", "en": "Closest documents:"},
    "curated": {"zh": "培训师审定的答案", "en": "Curated answer"},
    "feedback_prompt": {"zh": "这个回答有帮助吗？", "en": "Was this answer helpful?"},
    "feedback_reason": {"zh": "原因（可选）", "en": "Reason (optional)"},
    "feedback_save_reason": {"zh": "提交原因", "en": "Send reason"},
    "feedback_thanks": {"zh": "感谢反馈！", "en": "Thanks for the feedback!"},
    "model_loading": {
        "zh": "正在加载检索模型，首次提问可能需要几秒钟……",
        "en": "Loading the search model; the first answer may take a few seconds…",
    },
    "thinking": {"zh": "正在查找……", "en": "Searching…"},
    "clear_chat": {"zh": "清空对话", "en": "Clear the chat"},
    # library
    "library_title": {"zh": "知识库文件", "en": "Knowledge-base documents"},
    "library_view_only": {
        "zh": "培训师可以查看文件和测试检索；上传、删除和重建索引需要管理员。",
        "en": "Trainers can view documents and test retrieval; uploading, deleting and re-indexing need an admin.",
    },
    "upload_title": {"zh": "上传文件", "en": "Upload documents"},
    "upload_help": {
        "zh": "支持 PDF、DOCX、Markdown、TXT、HTML（含从浏览器保存的微信文章），每个文件不超过 {mb} MB。",
        "en": "PDF, DOCX, Markdown, TXT or HTML (WeChat articles saved from the browser too), up to {mb} MB each.",
    },
    "kind": {"zh": "类型", "en": "Kind"},
    "kind_auto": {"zh": "自动判断", "en": "Decide for me"},
    "kind_policy": {"zh": "制度规定", "en": "policy"},
    "kind_manual": {"zh": "操作手册", "en": "manual"},
    "kind_post": {"zh": "优秀稿件", "en": "post"},
    "upload_button": {"zh": "上传并建立索引", "en": "Upload and index"},
    "status_added": {"zh": "已添加", "en": "added"},
    "status_updated": {"zh": "已更新", "en": "updated"},
    "status_unchanged": {"zh": "未变化", "en": "unchanged"},
    "status_failed": {"zh": "失败", "en": "failed"},
    "search_docs": {"zh": "搜索标题或文件名", "en": "Search titles and file names"},
    "language_col": {"zh": "语言", "en": "Language"},
    "title": {"zh": "标题", "en": "Title"},
    "file": {"zh": "文件", "en": "File"},
    "pages": {"zh": "页数", "en": "Pages"},
    "chunks": {"zh": "片段", "en": "Chunks"},
    "added_at": {"zh": "添加时间", "en": "Added"},
    "added_by": {"zh": "添加人", "en": "Added by"},
    "no_documents": {"zh": "知识库里还没有文件。", "en": "The knowledge base has no documents yet."},
    "delete_title": {"zh": "删除文件", "en": "Delete a document"},
    "delete_pick": {"zh": "选择要删除的文件", "en": "Document to delete"},
    "delete_confirm": {"zh": "我确认删除该文件及其全部索引", "en": "I confirm: delete it from every index"},
    "delete_button": {"zh": "删除", "en": "Delete"},
    "deleted": {"zh": "已删除：{doc}", "en": "Deleted: {doc}"},
    "reindex_title": {"zh": "重建全部索引", "en": "Re-index everything"},
    "reindex_help": {
        "zh": "更换嵌入模型后需要重建索引；文件越多耗时越长。",
        "en": "Needed after changing the embedding model; takes longer the more documents there are.",
    },
    "reindex_button": {"zh": "开始重建", "en": "Re-index all"},
    "reindex_done": {"zh": "已重建 {n} 个文件的索引。", "en": "Re-indexed {n} documents."},
    "retrieval_title": {"zh": "检索测试", "en": "Retrieval test"},
    "retrieval_help": {
        "zh": "输入问题，查看问答功能实际检索到的片段及得分。",
        "en": "Type a question to see the passages the chat would retrieve, with their scores.",
    },
    "retrieval_question": {"zh": "测试问题", "en": "Question"},
    "score": {"zh": "得分", "en": "Score"},
    "similarity": {"zh": "语义相似度", "en": "Similarity"},
    "keyword": {"zh": "关键词得分", "en": "Keyword score"},
    "no_passages": {"zh": "没有检索到任何片段。", "en": "No passages found."},
    # people
    "people_title": {"zh": "人员与账号", "en": "People and accounts"},
    "add_user": {"zh": "添加人员", "en": "Add a person"},
    "department": {"zh": "部门 / 镇街", "en": "Department / town"},
    "role": {"zh": "角色", "en": "Role"},
    "initial_password": {"zh": "初始密码（留空则自动生成）", "en": "Initial password (empty: generate one)"},
    "create": {"zh": "创建", "en": "Create"},
    "created_with_password": {
        "zh": "已创建 {username}。初始密码只显示这一次，请转交本人：",
        "en": "Created {username}. The password is shown only this once; pass it on:",
    },
    "reset_password": {"zh": "重置密码", "en": "Reset password"},
    "new_password_once": {
        "zh": "{username} 的新密码（只显示这一次）：",
        "en": "New password for {username} (shown only once):",
    },
    "deactivate": {"zh": "停用", "en": "Deactivate"},
    "activate": {"zh": "启用", "en": "Activate"},
    "active": {"zh": "启用中", "en": "Active"},
    "last_login": {"zh": "最近登录", "en": "Last sign-in"},
    "pick_user": {"zh": "选择人员", "en": "Person"},
    # account
    "account_title": {"zh": "我的账号", "en": "My account"},
    "change_password": {"zh": "修改密码", "en": "Change password"},
    "current_password": {"zh": "当前密码", "en": "Current password"},
    "new_password": {"zh": "新密码", "en": "New password"},
    "password_changed": {"zh": "密码已修改。", "en": "Password changed."},
    "save": {"zh": "保存", "en": "Save"},
    # courses
    "page_courses": {"zh": "课程", "en": "Courses"},
    "page_progress": {"zh": "我的进度", "en": "My progress"},
    "courses_title": {"zh": "课程学习", "en": "Courses"},
    "course_broken": {
        "zh": "课程内容有错误，暂时无法打开。请管理员运行 python -m courses validate 修正：",
        "en": "The course content has errors and cannot open. An admin should run python -m courses validate:",
    },
    "course": {"zh": "课程", "en": "Course"},
    "module": {"zh": "模块", "en": "Module"},
    "locked": {"zh": "未解锁", "en": "locked"},
    "module_locked": {
        "zh": "通过上一模块的测验后解锁本模块。",
        "en": "This module unlocks when you pass the previous module's quiz.",
    },
    "objectives": {"zh": "学习目标", "en": "Objectives"},
    "problems_addressed": {"zh": "针对的常见问题", "en": "Problems it addresses"},
    "tab_lessons": {"zh": "课文", "en": "Lessons"},
    "tab_quiz": {"zh": "测验", "en": "Quiz"},
    "minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "mark_read": {"zh": "我已读完", "en": "I have read this"},
    "read_done": {"zh": "已读", "en": "Read"},
    "quiz_rules": {
        "zh": "每次 {n} 题，{mark}% 及格；{attempts}；{limit}；成绩按{grading}计。",
        "en": "{n} questions per attempt, pass mark {mark}%; {attempts}; {limit}; graded by the {grading} attempt.",
    },
    "attempts_unlimited": {"zh": "不限次数", "en": "unlimited attempts"},
    "attempts_left": {"zh": "还可参加 {left}/{total} 次", "en": "{left} of {total} attempts left"},
    "no_time_limit": {"zh": "不限时", "en": "no time limit"},
    "time_limit": {"zh": "限时 {n} 分钟", "en": "{n}-minute limit"},
    "grading_highest": {"zh": "最高一次", "en": "highest"},
    "grading_last": {"zh": "最后一次", "en": "last"},
    "start_practice": {"zh": "练习（即时反馈，不计成绩）", "en": "Practise (instant feedback, not graded)"},
    "start_graded": {"zh": "开始正式测验", "en": "Start the graded quiz"},
    "resume_graded": {"zh": "继续正式测验", "en": "Resume the graded quiz"},
    "practice_mode": {"zh": "练习模式：每题作答后立即看到反馈。", "en": "Practice: feedback right after each answer."},
    "graded_mode": {
        "zh": "正式测验：提交后显示成绩和反馈。",
        "en": "Graded quiz: your mark and feedback appear after you submit.",
    },
    "time_left": {
        "zh": "剩余时间约 {m} 分钟（截止 {at}，以服务器时间为准）",
        "en": "About {m} min left (ends {at}, server time)",
    },
    "question_n": {"zh": "第 {n} 题", "en": "Question {n}"},
    "true": {"zh": "正确", "en": "True"},
    "false": {"zh": "错误", "en": "False"},
    "your_answer": {"zh": "您的答案", "en": "Your answer"},
    "order_help": {"zh": "按正确顺序依次选择各项", "en": "Pick the items in the right order"},
    "check": {"zh": "检查答案", "en": "Check"},
    "correct": {"zh": "回答正确", "en": "Correct"},
    "partly_correct": {"zh": "部分正确（{score}/{max} 分）", "en": "Partly correct ({score}/{max})"},
    "wrong": {"zh": "回答错误", "en": "Not correct"},
    "explanation": {"zh": "解析", "en": "Explanation"},
    "missed": {"zh": "漏选：{items}", "en": "Missed: {items}"},
    "submit_quiz": {"zh": "提交测验", "en": "Submit the quiz"},
    "save_answers": {"zh": "保存答案", "en": "Save answers"},
    "answers_saved": {"zh": "已保存 {n} 道题的答案。", "en": "Saved answers to {n} questions."},
    "submit_anyway": {"zh": "仍然提交（未答题计 0 分）", "en": "Submit anyway (unanswered questions score 0)"},
    "finish_practice": {"zh": "结束练习", "en": "End practice"},
    "result_passed": {"zh": "通过！得分 {score}/{max}（{pct}%）", "en": "Passed! {score}/{max} ({pct}%)"},
    "result_failed": {
        "zh": "未通过：得分 {score}/{max}（{pct}%），及格线 {mark}%。",
        "en": "Not passed: {score}/{max} ({pct}%); the pass mark is {mark}%.",
    },
    "result_expired": {
        "zh": "时间已到，已按时限内保存的答案评分。",
        "en": "Time ran out; answers saved in time were graded.",
    },
    "read_up": {"zh": "复习：{title}", "en": "Read again: {title}"},
    "kb_source": {"zh": "知识库依据：{doc}", "en": "In the knowledge base: {doc}"},
    "try_again": {"zh": "再试一次", "en": "Try again"},
    "back_to_module": {"zh": "返回模块", "en": "Back to the module"},
    "next_module_unlocked": {"zh": "下一模块已解锁：{title}", "en": "Next module unlocked: {title}"},
    # progress
    "progress_title": {"zh": "我的学习进度", "en": "My progress"},
    "lessons_read": {"zh": "已读课文", "en": "Lessons read"},
    "grade": {"zh": "成绩", "en": "Grade"},
    "passed": {"zh": "通过", "en": "Passed"},
    "attempts": {"zh": "测验次数", "en": "Attempts"},
    "completed": {"zh": "完成", "en": "Completed"},
    "course_done": {"zh": "恭喜！您已完成本课程。", "en": "Congratulations! You have completed this course."},
    "certificate": {"zh": "下载结业证书（可打印）", "en": "Download the certificate (printable)"},
    "certificate_code": {"zh": "证书验证码：{code}", "en": "Certificate code: {code}"},
    "verify_title": {"zh": "验证证书", "en": "Verify a certificate"},
    "verify_code": {"zh": "证书验证码", "en": "Certificate code"},
    "verify_ok": {
        "zh": "有效：{name} 于 {date} 完成“{course}”。",
        "en": "Valid: {name} completed “{course}” on {date}.",
    },
    "verify_bad": {"zh": "没有这个验证码的证书。", "en": "No certificate has this code."},
}


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to Chinese), with ``{name}`` fields filled."""
    entry = TEXT[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def preferred_language(saved: str, browser_locale: str | None) -> str:
    """The user's saved choice, else the browser's language; Chinese unless the browser says otherwise."""
    if saved in LANGUAGES:
        return saved
    if browser_locale and not browser_locale.lower().startswith("zh"):
        return "en"
    return "zh"
