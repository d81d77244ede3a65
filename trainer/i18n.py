"""Interface text in Simplified Chinese and English.

Every label the app shows lives here, keyed by a short id, so a page cannot show one language
in one place and another elsewhere, and a test can check that both languages are complete.
"""

from __future__ import annotations

import re

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
    "sso_not_configured": {
        "zh": "统一身份认证尚未配置：请管理员在 .streamlit/secrets.toml 中填写 [auth]，或设置 APP_AUTH=local。",
        "en": "Single sign-on is not configured: an admin must fill [auth] in .streamlit/secrets.toml "
        "or set APP_AUTH=local.",
    },
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
    "related_title": {"zh": "相关段落（未确认为答案）", "en": "Related passages — not a confirmed answer"},
    "related_sources": {"zh": "相关段落出处（请核对原文）", "en": "Related passages (check the originals)"},
    # the chat's outcomes, as the dashboard and the reply desk name them
    "outcome_answered": {"zh": "已回答", "en": "answered"},
    "outcome_related": {"zh": "相关段落", "en": "related"},
    "outcome_not_found": {"zh": "未找到", "en": "not found"},
    "outcome_thumbs_down": {"zh": "被点踩", "en": "thumbs-down"},
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
    "uploader_button": {"zh": "选择文件", "en": "Choose files"},
    "uploader_limit": {"zh": "每个文件不超过 {mb} MB · {types}", "en": "Up to {mb} MB per file · {types}"},
    "kind": {"zh": "类型", "en": "Kind"},
    "kind_auto": {"zh": "自动判断", "en": "Decide for me"},
    "kind_policy": {"zh": "制度规定", "en": "policy"},
    "kind_manual": {"zh": "操作手册", "en": "manual"},
    "kind_post": {"zh": "优秀稿件", "en": "post"},
    "upload_button": {"zh": "上传并建立索引", "en": "Upload and index"},
    "upload_choose_files": {
        "zh": "没有收到文件：请先选择文件，等文件名出现在上方后再点击上传。",
        "en": "No file arrived: choose files first, and click once their names appear above.",
    },
    "status_added": {"zh": "已添加", "en": "added"},
    "status_updated": {"zh": "已更新", "en": "updated"},
    "status_unchanged": {"zh": "未变化", "en": "unchanged"},
    "status_failed": {"zh": "失败", "en": "failed"},
    "search_docs": {"zh": "搜索标题、文件名或内容", "en": "Search titles, file names and content"},
    "search_content_hits": {
        "zh": "另有 {n} 个文件的内容与搜索词相关（知识库检索）。",
        "en": "{n} more documents match in their content (knowledge-base search).",
    },
    "match_title": {"zh": "标题", "en": "title"},
    "match_content": {"zh": "内容", "en": "content"},
    "matched_by": {"zh": "匹配", "en": "Match"},
    "choose_one": {"zh": "请选择", "en": "Choose one"},
    "choose_many": {"zh": "可多选", "en": "Choose any"},
    "n_pages": {"zh": "{n} 页", "en": "{n} pages"},
    "n_chunks": {"zh": "{n} 个片段", "en": "{n} chunks"},
    "lang_zh": {"zh": "中文", "en": "Chinese"},
    "lang_en": {"zh": "英文", "en": "English"},
    "lang_mixed": {"zh": "中英混合", "en": "mixed"},
    "lang_other": {"zh": "其他", "en": "other"},
    "doc_open": {"zh": "打开文件（也可点击表格中的一行）", "en": "Open a document (or click a row of the table)"},
    "doc_tab_info": {"zh": "概况", "en": "Details"},
    "doc_tab_text": {"zh": "逐页正文", "en": "Text, page by page"},
    "doc_tab_chunks": {"zh": "索引片段", "en": "Indexed chunks"},
    "doc_size": {"zh": "文件大小", "en": "Size"},
    "doc_updated": {"zh": "更新时间", "en": "Updated"},
    "doc_fingerprint": {"zh": "文件指纹（SHA-256）", "en": "Fingerprint (SHA-256)"},
    "doc_page": {"zh": "页码", "en": "Page"},
    "doc_page_of": {"zh": "第 {page} 页，共 {total} 页", "en": "Page {page} of {total}"},
    "doc_text_from_chunks": {
        "zh": "原文件不在数据文件夹中，以下正文由索引片段拼成。",
        "en": "The original is not in the data folder: this text is put together from the indexed chunks.",
    },
    "doc_page_empty": {"zh": "这一页没有可提取的文字（可能是图片）。", "en": "No text on this page (an image?)."},
    "doc_chunks_intro": {
        "zh": "文件被切分成以下片段并建立索引，问答和检索只会引用这些片段中的文字。",
        "en": "The document was cut into these chunks for the index; the chat and search quote only from them.",
    },
    "chunk_heading": {"zh": "片段 {n} · 第 {page} 页", "en": "Chunk {n} · page {page}"},
    "chunk_chars": {"zh": "{n} 字", "en": "{n} characters"},
    "doc_no_original": {
        "zh": "这个文件的原件没有保存在数据文件夹中，无法下载。重新上传即可恢复；此后上传的文件都会保留原件。",
        "en": "The original of this document is not in the data folder, so it cannot be downloaded. Upload it again "
        "to restore it; every upload keeps its original.",
    },
    "doc_read_failed": {
        "zh": "无法读取原文件：{error}",
        "en": "The original could not be read: {error}",
    },
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
    "passage_text": {"zh": "片段内容", "en": "Passage"},
    "heading_col": {"zh": "所在标题", "en": "Heading"},
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
    "password_changed_elsewhere": {
        "zh": "密码已修改。在其他浏览器或设备上的登录已全部退出。",
        "en": "Password changed. You were signed out on every other browser and device.",
    },
    "password_change_title": {"zh": "请设置您自己的密码", "en": "Choose your own password"},
    "password_change_required": {
        "zh": "您当前的密码是管理员设置并交给您的。请先设置一个只有您自己知道的新密码，然后才能使用其他页面。",
        "en": "Your password was set by an administrator and handed to you. "
        "Choose a new one that only you know before using the other pages.",
    },
    "password_handed_over": {"zh": "管理员给您的密码", "en": "The password you were given"},
    "password_same_as_given": {
        "zh": "新密码不能与管理员给您的密码相同。",
        "en": "The new password must differ from the one you were given.",
    },
    "save": {"zh": "保存", "en": "Save"},
    # reply desk
    "page_reply_desk": {"zh": "留言回复助手", "en": "Reply to a message"},
    "reply_title": {"zh": "留言回复助手", "en": "Reply to a citizen's message"},
    "reply_caption": {
        "zh": "粘贴网民留言：自动分类、查找适用规定、起草带出处的答复，并按工作日（含法定节假日和调休）计算办理期限。"
        "【】中的内容须由承办单位填写，发出前须经审核。",
        "en": "Paste a citizen's message: it is classified, the rules that apply are found, a reply with sources "
        "is drafted, and the deadline is counted in working days (holidays and adjusted working days included). "
        "Fill in every [placeholder] and have the reply approved before sending.",
    },
    "reply_tab_draft": {"zh": "起草答复", "en": "Draft a reply"},
    "reply_tab_list": {"zh": "跟踪清单", "en": "Tracked messages"},
    "reply_tab_practice": {"zh": "答复练习", "en": "Practice"},
    "reply_message": {"zh": "网民留言", "en": "The citizen's message"},
    "reply_received": {"zh": "收到日期", "en": "Date received"},
    "reply_draft_button": {"zh": "分类并起草答复", "en": "Classify and draft a reply"},
    "reply_summary": {
        "zh": "类别：{category} · 办理期限：{deadline}（{days}个工作日） · 受理回复期限：{ack}",
        "en": "Category: {category} · reply due: {deadline} ({days} working days) · acknowledge by: {ack}",
    },
    "reply_cues": {"zh": "分类依据：{cues}", "en": "Classified by: {cues}"},
    "reply_escalate": {
        "zh": "这条留言可能需要在2小时内报告科室负责人和区政府办公室，请看下方提示。",
        "en": "This message may need reporting to the section chief and the District Government Office within "
        "2 hours: see the notes below.",
    },
    "reply_notes": {"zh": "办理提示", "en": "Notes for the handler"},
    "reply_topic_quoted_title": {"zh": "知识库有答复依据", "en": "Answered from the knowledge base"},
    "reply_topic_quoted": {
        "zh": "以下段落回答了留言所问的事项，已引用进答复草稿，发出前请核对原文。",
        "en": "These passages answer the message's subject and are quoted in the draft: check them before sending.",
    },
    "reply_topic_answered_title": {"zh": "知识库有相关规定", "en": "The knowledge base covers this subject"},
    "reply_topic_answered": {
        "zh": "投诉、举报、建议只能由承办部门答复，以下段落未写入草稿，核实后再决定是否使用。",
        "en": "Only the responsible office can answer a complaint, report or suggestion, so these passages are "
        "not in the draft: check them before using them.",
    },
    "reply_topic_related_title": {"zh": "相关段落（请核实后再使用）", "en": "Related passages — check before using"},
    "reply_topic_related": {
        "zh": "知识库中没有能确认回答留言事项的内容。以下段落与留言相关，但未写入草稿，答复结论仍由承办单位填写。",
        "en": "No passage in the knowledge base confirms an answer to the message's subject. These passages are "
        "related; they are not in the draft, and the office still fills in the answer.",
    },
    "reply_topic_not_found_title": {"zh": "知识库中没有找到依据", "en": "Not found in the knowledge base"},
    "reply_topic_not_found": {
        "zh": "知识库中没有与留言事项相关的内容，答复结论由承办单位填写。",
        "en": "Nothing in the knowledge base answers the message's subject: the office fills in the answer.",
    },
    "reply_references_title": {
        "zh": "样例推文（其他案例，仅供参考）",
        "en": "Sample posts (other cases, for reference)",
    },
    "reply_references": {
        "zh": "以下段落出自样例推文，讲的是其他地方、其他人的事情，不是这条留言的答复，不得当作本案事实写入答复。",
        "en": "These passages come from sample posts about other places and other people: they do not answer this "
        "message and must not go into the reply as its facts.",
    },
    "reply_text": {"zh": "答复草稿（可直接修改）", "en": "Draft reply (edit it here)"},
    "reply_text_help": {
        "zh": "草稿只引用知识库原文；结论、承办部门和电话须由您核实填写。",
        "en": "The draft quotes the knowledge base only; you confirm and fill in the answer, office and phone.",
    },
    "reply_track": {"zh": "加入跟踪清单", "en": "Add to the tracked list"},
    "reply_tracked": {"zh": "已加入跟踪清单（#{id}）。", "en": "Added to the tracked list (#{id})."},
    "reply_list_own": {"zh": "您登记的留言。", "en": "The messages you added."},
    "reply_list_everyone": {"zh": "所有人登记的留言。", "en": "Messages added by everyone."},
    "reply_no_items": {"zh": "跟踪清单中还没有留言。", "en": "No messages in the tracked list yet."},
    "reply_overdue_count": {"zh": "{n} 条留言已超过办理期限。", "en": "{n} messages are past their deadline."},
    "reply_col_who": {"zh": "登记人", "en": "Added by"},
    "reply_col_message": {"zh": "留言", "en": "Message"},
    "reply_col_category": {"zh": "类别", "en": "Category"},
    "reply_col_received": {"zh": "收到日期", "en": "Received"},
    "reply_col_deadline": {"zh": "办理期限", "en": "Deadline"},
    "reply_col_status": {"zh": "状态", "en": "Status"},
    "reply_col_overdue": {"zh": "超期", "en": "Overdue"},
    "reply_col_sample": {"zh": "练习留言", "en": "Practice message"},
    "reply_col_score": {"zh": "得分", "en": "Score"},
    "reply_col_at": {"zh": "时间", "en": "When"},
    "reply_status_open": {"zh": "办理中", "en": "open"},
    "reply_status_replied": {"zh": "已答复", "en": "replied"},
    "reply_status_escalated": {"zh": "已上报", "en": "escalated"},
    "reply_update_item": {"zh": "留言", "en": "Message"},
    "reply_new_status": {"zh": "新状态", "en": "New status"},
    "reply_update_button": {"zh": "更新状态", "en": "Update status"},
    "reply_updated": {"zh": "已更新 #{id} 的状态。", "en": "Updated the status of #{id}."},
    "reply_practice_intro": {
        "zh": "选一条练习留言，写出您的答复，系统按评分标准给出反馈：期限、礼貌用语、禁用说法、政策要点、联系方式。",
        "en": "Pick a practice message and write your reply; it is scored on the deadline, politeness, forbidden "
        "phrases, the policy's key points and a contact.",
    },
    "reply_practice_pick": {"zh": "练习留言", "en": "Practice message"},
    "reply_practice_message": {"zh": "网民留言", "en": "The message"},
    "reply_practice_received": {
        "zh": "收到日期：{date}。请在答复中写明办理期限。",
        "en": "Received on {date}. State the reply deadline in your reply.",
    },
    "reply_practice_answer": {"zh": "您的答复", "en": "Your reply"},
    "reply_practice_check": {"zh": "提交并查看反馈", "en": "Submit and see feedback"},
    "reply_practice_empty": {"zh": "请先写出答复。", "en": "Write a reply first."},
    "reply_practice_score": {"zh": "得分：{score} / {max}", "en": "Score: {score} / {max}"},
    "reply_crit_deadline": {"zh": "办理期限", "en": "Deadline"},
    "reply_crit_politeness": {"zh": "礼貌用语", "en": "Politeness"},
    "reply_crit_forbidden": {"zh": "禁用说法", "en": "Forbidden phrases"},
    "reply_crit_accuracy": {"zh": "政策要点", "en": "Accuracy"},
    "reply_crit_next_steps": {"zh": "联系方式与下一步", "en": "Contact and next steps"},
    "reply_practice_history": {"zh": "练习记录", "en": "Practice record"},
    "reply_practice_none": {"zh": "还没有练习记录。", "en": "No practice replies yet."},
    # account health check (desk/health.py, app_pages/health.py)
    "page_health": {"zh": "账号健康检查", "en": "Account health"},
    "health_title": {"zh": "政务新媒体账号健康检查", "en": "Account health check"},
    "health_caption": {
        "zh": "导入公众号后台导出的已发表文章记录，"
        "对照国家检查的否决项和本课程讲授的常见问题逐项检查，并指出对应的课程模块。",
        "en": "Import the published-articles export from the WeChat back end: each account is checked against "
        "the national veto tests and the common failings our course teaches against, "
        "with the module that teaches the fix.",
    },
    "health_veto_note": {
        "zh": "否决项按“监测日前2周内未更新”理解为：监测日前14个自然日内没有任何发布即不合格"
        "（国家指标原文未能核实，以此为本系统口径）。"
        "其他指标的参考线是本系统的建议，不是国家标准。",
        "en": "The veto is read as: no article on the 14 calendar days before the monitoring date fails the account "
        "(the national indicator text could not be verified; this is our reading). Other thresholds are this app's "
        "advice, not national rules.",
    },
    "health_learner_note": {"zh": "这里只显示您管理的账号。", "en": "Only the accounts you manage are shown."},
    "health_as_of": {"zh": "监测日", "en": "Monitoring date"},
    "health_start": {"zh": "统计起始日", "en": "From"},
    "health_end": {"zh": "统计截止日", "en": "To"},
    "health_start_help": {"zh": "留空：截止日前一年。", "en": "Empty: the year before the last day."},
    "health_end_help": {"zh": "留空：监测日。", "en": "Empty: the monitoring date."},
    "health_next_check": {"zh": "下次监测日（可选）", "en": "Next monitoring date (optional)"},
    "health_tab_overview": {"zh": "全区总览", "en": "District overview"},
    "health_tab_account": {"zh": "账号报告", "en": "Account report"},
    "health_tab_import": {"zh": "导入发布记录", "en": "Import a publishing record"},
    "health_no_accounts": {
        "zh": "还没有账号数据。请在“导入发布记录”中上传公众号后台导出的文章表格。",
        "en": "No accounts yet. Upload an export of published articles under “Import a publishing record”.",
    },
    "health_filter": {"zh": "按部门 / 镇街筛选", "en": "Filter by department or town"},
    "health_export": {"zh": "导出为 Excel", "en": "Export to Excel"},
    "health_at_risk_title": {"zh": "下次监测有风险的账号", "en": "Accounts at risk on the next monitoring date"},
    "health_at_risk_none": {"zh": "没有账号处于风险中。", "en": "No account is at risk."},
    "health_col_account": {"zh": "账号", "en": "Account"},
    "health_col_department": {"zh": "部门 / 镇街", "en": "Department / town"},
    "health_col_kind": {"zh": "账号类型", "en": "Account type"},
    "health_col_posts": {"zh": "文章数", "en": "Posts"},
    "health_col_per_week": {"zh": "每周篇数", "en": "Posts a week"},
    "health_col_last": {"zh": "最后发布", "en": "Last post"},
    "health_col_publish_by": {"zh": "最迟再发日期", "en": "Publish again by"},
    "health_col_managers": {"zh": "管理员", "en": "Managers"},
    "health_m_update": {"zh": "更新（否决项）", "en": "Updates (veto)"},
    "health_m_interaction": {"zh": "互动回应（否决项）", "en": "Replies (veto)"},
    "health_m_next_check": {"zh": "下次监测", "en": "Next check"},
    "health_m_frequency": {"zh": "更新频率", "en": "Frequency"},
    "health_m_timing": {"zh": "发布时段", "en": "Timing"},
    "health_m_original": {"zh": "原创比例", "en": "Original share"},
    "health_m_mix": {"zh": "内容结构", "en": "Content mix"},
    "health_light_red": {"zh": "🔴 不合格", "en": "🔴 fails"},
    "health_light_amber": {"zh": "🟠 注意", "en": "🟠 watch"},
    "health_light_green": {"zh": "🟢 良好", "en": "🟢 fine"},
    "health_light_grey": {"zh": "⚪ 无数据", "en": "⚪ no data"},
    "health_acc_government": {"zh": "区政府", "en": "government"},
    "health_acc_department": {"zh": "部门", "en": "department"},
    "health_acc_town": {"zh": "镇街", "en": "town"},
    "health_kind_service": {"zh": "服务信息", "en": "service information"},
    "health_kind_policy": {"zh": "政策解读", "en": "policy explained"},
    "health_kind_notice": {"zh": "通知公告", "en": "notices"},
    "health_kind_emergency": {"zh": "应急信息", "en": "emergency"},
    "health_kind_meeting": {"zh": "会议与领导活动", "en": "meetings and leaders' activities"},
    "health_kind_publicity": {"zh": "宣传活动", "en": "publicity"},
    "health_pick_account": {"zh": "选择账号", "en": "Account"},
    "health_metric_posts": {"zh": "统计期内文章", "en": "Posts in the period"},
    "health_metric_per_week": {"zh": "平均每周", "en": "Per week"},
    "health_metric_per_month": {"zh": "平均每月", "en": "Per month"},
    "health_metric_last": {"zh": "最后发布", "en": "Last post"},
    "health_metric_publish_by": {"zh": "最迟再发日期", "en": "Publish again by"},
    "health_metric_original": {"zh": "原创比例", "en": "Original"},
    "health_findings_title": {"zh": "发现的问题与对应课程", "en": "Findings and the lessons that teach the fix"},
    "health_no_findings": {"zh": "没有发现问题。", "en": "Nothing to fix."},
    "my_accounts_title": {"zh": "我管理的公众号", "en": "The accounts I manage"},
    "my_accounts_link": {"zh": "在账号健康检查中查看完整报告", "en": "The full report on Account health"},
    "health_finding_module": {
        "zh": "对应课程：第{order}模块“{module}”，课时“{lesson}”",
        "en": "Taught in module {order}, “{module}”, lesson “{lesson}”",
    },
    "health_assign_button": {
        "zh": "把第{order}模块分配给该账号管理员",
        "en": "Assign module {order} to this account's managers",
    },
    "health_assigned": {"zh": "已把第{order}模块分配给：{names}。", "en": "Module {order} assigned to {names}."},
    "health_training_title": {"zh": "已分配的课程模块", "en": "Modules assigned from these findings"},
    "health_training_line": {
        "zh": "{username}：第{order}模块“{module}”（{by} 分配于 {at}）",
        "en": "{username}: module {order}, “{module}” (assigned by {by} on {at})",
    },
    "health_managers": {"zh": "账号管理员", "en": "Account managers"},
    "health_managers_save": {"zh": "保存管理员", "en": "Save managers"},
    "health_managers_saved": {"zh": "已保存管理员。", "en": "Managers saved."},
    "health_managers_none": {
        "zh": "该账号还没有管理员：先在上方添加管理员，才能分配课程。",
        "en": "This account has no managers yet: add them above before assigning a module.",
    },
    "health_chart_weeks": {"zh": "每周发布篇数", "en": "Posts per week"},
    "health_chart_months": {"zh": "每月发布篇数", "en": "Posts per month"},
    "health_chart_heat": {"zh": "发布时间分布（星期 × 小时）", "en": "When it publishes (weekday × hour)"},
    "health_chart_reads": {"zh": "按发布小时的阅读数中位数", "en": "Median reads by publish hour"},
    "health_chart_mix": {"zh": "内容结构", "en": "Content mix"},
    "health_no_reads": {"zh": "导出文件中没有阅读数。", "en": "The export has no reads."},
    "health_axis_week": {"zh": "周（周一）", "en": "Week (Monday)"},
    "health_axis_month": {"zh": "月份", "en": "Month"},
    "health_axis_posts": {"zh": "篇数", "en": "Posts"},
    "health_axis_hour": {"zh": "小时", "en": "Hour"},
    "health_axis_weekday": {"zh": "星期", "en": "Weekday"},
    "health_axis_reads": {"zh": "阅读数中位数", "en": "Median reads"},
    "health_axis_kind": {"zh": "类别", "en": "Kind"},
    "health_axis_cues": {"zh": "判断依据（常见提示词）", "en": "Decided by (commonest cue words)"},
    "health_weekdays": {"zh": "周一,周二,周三,周四,周五,周六,周日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "health_gaps_title": {"zh": "连续14天及以上未更新", "en": "Silences of 14 days or more"},
    "health_gaps_none": {
        "zh": "统计期内没有连续14天以上的断更。",
        "en": "No silence of 14 days or more in the period.",
    },
    "health_gap_line": {
        "zh": "{after} 之后 {days} 天未更新，{before} 才再次发布；其间 {veto_from} 起的监测日会被否决。",
        "en": "{days} days without a post after {after}, until {before}; a monitoring date from {veto_from} on fails.",
    },
    "health_gap_open": {
        "zh": "{after} 之后已 {days} 天未更新；{veto_from} 起的监测日会被否决。",
        "en": "{days} days without a post since {after}; a monitoring date from {veto_from} on fails.",
    },
    "health_longest_title": {"zh": "最长的断更", "en": "Longest silences"},
    "health_replies": {
        "zh": "留言办理（留言回复助手记录）：共 {messages} 条，已答复 {replied} "
        "条（按时 {on_time} 条），未办结 {open} 条，其中逾期 {overdue} 条。",
        "en": "Messages (reply desk record): {messages}, replied {replied} ({on_time} on time), "
        "open {open}, of which {overdue} overdue.",
    },
    "health_replies_none": {
        "zh": "该账号管理员在留言回复助手中没有留言记录。",
        "en": "The account's managers have no messages on the reply desk.",
    },
    "health_f_update_veto": {
        "zh": "监测日 {as_of} 前14天内没有更新（最后发布于 {last}，"
        "已连续 {days} 天未更新）：按“单项否决”将被判不合格。",
        "en": "No post in the 14 days before the monitoring date {as_of} (last on {last}, {days} days without a post): "
        "a veto, the account fails.",
    },
    "health_f_update_none": {
        "zh": "监测日 {as_of} 前没有任何发布记录：按“单项否决”将被判不合格。",
        "en": "No post at all before the monitoring date {as_of}: a veto, the account fails.",
    },
    "health_f_interaction_overdue": {
        "zh": "{overdue} 条留言已超过办理时限仍未答复（共 {messages} 条）：“互动回应差”属于否决项。",
        "en": "{overdue} of {messages} messages are past their deadline "
        "without a reply: poor interaction is a veto item.",
    },
    "health_f_interaction_late": {
        "zh": "{late} 条留言在期限后才答复（共 {messages} 条）。",
        "en": "{late} of {messages} messages were answered after their deadline.",
    },
    "health_f_next_check": {
        "zh": "下次监测日 {check}：须在 {first} 至 {last} 之间至少发布一篇，否则将被否决。",
        "en": "Next monitoring date {check}: publish at least once between {first} and {last}, or it fails.",
    },
    "health_f_publish_by": {
        "zh": "最迟须在 {date} 前再发布一篇（还剩 {days} 天），否则此后的监测日都会被否决。",
        "en": "Publish again by {date} ({days} days left), or every monitoring date after it fails.",
    },
    "health_f_frequency": {
        "zh": "平均每周 {per_week} 篇，低于每周1篇（本系统的建议下限，不是国家标准）。",
        "en": "{per_week} posts a week on average, below one a week (this app's advice, not a national rule).",
    },
    "health_f_frequency_gaps": {
        "zh": "统计期内有 {gaps} 次连续14天及以上未更新，最长 {longest} 天（平均每周 {per_week} 篇）。",
        "en": "{gaps} silences of 14 days or more in the period, the longest {longest} days ({per_week} posts a week).",
    },
    "health_f_timing": {
        "zh": "{share}% 的文章在 22:00 至次日 06:59 发布，这个时段很少有群众阅读。",
        "en": "{share}% of the posts go out between 22:00 and 06:59, when few residents read.",
    },
    "health_f_original": {
        "zh": "原创文章只占 {share}%（本系统以30%为参考线，不是国家标准）。",
        "en": "Only {share}% of the posts are original (this app's line is 30%, not a national rule).",
    },
    "health_f_mix": {
        "zh": "会议、领导活动和宣传类占 {share}%，服务信息和政策解读只占 {service}%。",
        "en": "{share}% of the posts are meetings, leaders' activities "
        "and publicity; service and policy only {service}%.",
    },
    "health_upload": {"zh": "文章表格（.xlsx 或 .csv）", "en": "Articles sheet (.xlsx or .csv)"},
    "health_preview_title": {"zh": "预览（尚未保存）", "en": "Preview (nothing saved yet)"},
    "health_sheet": {"zh": "工作表“{sheet}”：{role}", "en": "Sheet “{sheet}”: {role}"},
    "health_role_posts": {"zh": "文章记录", "en": "articles"},
    "health_role_accounts": {"zh": "账号清单", "en": "account list"},
    "health_role_other": {"zh": "未使用（没有发布时间列）", "en": "not used (no publish-time column)"},
    "health_mapping": {"zh": "列的对应：{pairs}", "en": "Columns found: {pairs}"},
    "health_unrecognised": {
        "zh": "未识别的列：{columns}。如其中有需要的数据，请在下方指定它对应的字段。",
        "en": "Columns not recognised: {columns}. If one holds data we need, choose its field below.",
    },
    "health_map_column": {"zh": "“{column}”对应", "en": "“{column}” is"},
    "health_field_ignore": {"zh": "不使用", "en": "not used"},
    "health_field_account": {"zh": "账号名称", "en": "account"},
    "health_field_title": {"zh": "标题", "en": "title"},
    "health_field_published": {"zh": "发布时间", "en": "publish time"},
    "health_field_reads": {"zh": "阅读数", "en": "reads"},
    "health_field_shares": {"zh": "分享数", "en": "shares"},
    "health_field_likes": {"zh": "点赞数", "en": "likes"},
    "health_field_wows": {"zh": "在看数", "en": "wows"},
    "health_field_original": {"zh": "是否原创", "en": "original"},
    "health_field_body": {"zh": "正文 / 摘要", "en": "body / summary"},
    "health_field_url": {"zh": "文章链接", "en": "link"},
    "health_field_department": {"zh": "部门 / 镇街", "en": "department / town"},
    "health_field_kind": {"zh": "账号类型", "en": "account type"},
    "health_field_managers": {"zh": "管理员用户名", "en": "manager user names"},
    "health_account_name": {
        "zh": "账号名称（文件中没有账号列，全部文章记在这个账号下）",
        "en": "Account name (the file has no account column: every article goes to this account)",
    },
    "health_save": {"zh": "保存导入", "en": "Save the import"},
    "health_saved": {
        "zh": "已导入 {rows} 篇文章，其中新增 {added} 篇（账号：{accounts}）。重复导入的文章只更新数据。",
        "en": "Articles imported: {rows}, new: {added} (accounts: {accounts}). "
        "Articles already there had their figures updated.",
    },
    # courses
    "page_courses": {"zh": "课程", "en": "Courses"},
    "page_progress": {"zh": "我的进度", "en": "My progress"},
    "courses_title": {"zh": "课程学习", "en": "Courses"},
    "courses_skipped": {
        "zh": "有课程内容出错，已暂时隐藏；其余课程照常开放。请运行 python -m courses validate 修正：",
        "en": "Some course content has errors and is hidden; the other courses work. Run python -m courses validate:",
    },
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
    "lesson_pick": {"zh": "课文", "en": "Lesson"},
    "lesson_position": {
        "zh": "第 {n} 课，共 {total} 课 · 已读 {read}/{total}",
        "en": "Lesson {n} of {total} · {read} of {total} read",
    },
    "prev_lesson": {"zh": "上一课", "en": "Previous lesson"},
    "next_lesson": {"zh": "下一课", "en": "Next lesson"},
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
        "zh": "剩余时间 {left}（{at} 截止，以服务器时间为准）",
        "en": "Time left {left} (ends {at}, server time)",
    },
    "time_short": {"zh": "请尽快保存或提交答案。", "en": "Save or submit your answers now."},
    "time_up": {
        "zh": "时间到，正在按时限内保存的答案评分……",
        "en": "Time is up: grading the answers saved in time…",
    },
    "question_n": {"zh": "第 {n} 题", "en": "Question {n}"},
    "true": {"zh": "正确", "en": "True"},
    "false": {"zh": "错误", "en": "False"},
    "your_answer": {"zh": "您的答案", "en": "Your answer"},
    "order_help": {
        "zh": "用“上移”“下移”按钮把各项排成正确顺序。",
        "en": "Use the Up and Down buttons to put the items in the right order.",
    },
    "move_up": {"zh": "上移", "en": "Up"},
    "move_down": {"zh": "下移", "en": "Down"},
    "correct_order": {"zh": "正确顺序：", "en": "The right order:"},
    "check": {"zh": "检查答案", "en": "Check"},
    "correct": {"zh": "回答正确", "en": "Correct"},
    "partly_correct": {"zh": "部分正确（{score} 分）", "en": "Partly correct ({score} points)"},
    "wrong": {"zh": "回答错误", "en": "Not correct"},
    "explanation": {"zh": "解析", "en": "Explanation"},
    "missed": {"zh": "漏选：{items}", "en": "Missed: {items}"},
    "question_changed": {
        "zh": "这道题在你作答之后被培训师修改过，无法再显示你当时的选择。记录的得分：{score}/{max}。",
        "en": "A trainer changed this question after your attempt, so your answer then cannot be shown."
        " Recorded score: {score}/{max}.",
    },
    "submit_quiz": {"zh": "提交测验", "en": "Submit the quiz"},
    "save_answers": {"zh": "保存答案", "en": "Save answers"},
    "answers_saved": {"zh": "已保存 {n} 道题的答案。", "en": "Saved answers to {n} questions."},
    "submit_anyway": {"zh": "仍然提交（未答题计 0 分）", "en": "Submit anyway (unanswered questions score 0)"},
    "confirm_unanswered": {
        "zh": "共 {total} 题，还有 {n} 题未作答（第 {which} 题）。现在提交吗？未答题计 0 分。",
        "en": "{n} of {total} questions have no answer (question {which}). Submit now? They score 0.",
    },
    "keep_answering": {"zh": "继续作答", "en": "Keep answering"},
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
    "practice_result": {"zh": "练习得分 {score}/{max}（不计成绩）", "en": "Practice score {score}/{max} (not graded)"},
    "review_heading": {"zh": "答题回顾：第 {n} 次 · {when}", "en": "Review: attempt {n} · {when}"},
    "review_bad_link": {"zh": "链接中的测验编号无效。", "en": "The link has no valid quiz attempt number."},
    "next_module_unlocked": {"zh": "下一模块已解锁：{title}", "en": "Next module unlocked: {title}"},
    # progress
    "progress_title": {"zh": "我的学习进度", "en": "My progress"},
    "lessons_read": {"zh": "已读课文", "en": "Lessons read"},
    "grade": {"zh": "成绩", "en": "Grade"},
    "passed": {"zh": "通过", "en": "Passed"},
    "attempts": {"zh": "测验次数", "en": "Attempts"},
    "completed": {"zh": "完成", "en": "Completed"},
    "progress_bar": {
        "zh": "{pct}%：已读课文 {read}/{lessons}，通过测验 {passed}/{quizzes}",
        "en": "{pct}%: {read} of {lessons} lessons read, {passed} of {quizzes} quizzes passed",
    },
    "progress_bar_help": {
        "zh": "进度 = （已读课文数 + 已通过测验数）÷（课文总数 + 测验总数）。",
        "en": "Progress = (lessons read + quizzes passed) ÷ (all lessons + all quizzes).",
    },
    "my_attempts": {"zh": "我的测验记录", "en": "My quiz attempts"},
    "no_attempts": {"zh": "还没有完成的测验。", "en": "No finished quiz attempts yet."},
    "attempt_line": {
        "zh": "{module} · 第 {n} 次{mode} · {when} · {score}/{max} · {result}",
        "en": "{module} · attempt {n}{mode} · {when} · {score}/{max} · {result}",
    },
    "attempt_mode_practice": {"zh": "（练习）", "en": " (practice)"},
    "attempt_passed": {"zh": "通过", "en": "passed"},
    "attempt_failed": {"zh": "未通过", "en": "not passed"},
    "attempt_practice": {"zh": "不计成绩", "en": "not graded"},
    "open_review": {"zh": "查看答题详情", "en": "Review"},
    "course_done": {"zh": "恭喜！您已完成本课程。", "en": "Congratulations! You have completed this course."},
    "certificate": {"zh": "下载结业证书（可打印）", "en": "Download the certificate (printable)"},
    "certificate_code": {"zh": "证书验证码：{code}", "en": "Certificate code: {code}"},
    "progress_reply_practice": {"zh": "留言回复练习记录", "en": "Reply practice"},
    "progress_practice_when": {"zh": "时间", "en": "When"},
    "progress_practice_sample": {"zh": "练习留言", "en": "Sample message"},
    "verify_title": {"zh": "验证证书", "en": "Verify a certificate"},
    "verify_code": {"zh": "证书验证码", "en": "Certificate code"},
    "verify_ok": {
        "zh": "有效：{name} 于 {date} 完成“{course}”。",
        "en": "Valid: {name} completed “{course}” on {date}.",
    },
    "verify_bad": {"zh": "没有这个验证码的证书。", "en": "No certificate has this code."},
    "verify_expired": {
        "zh": "已过期：{name} 的“{course}”证书已于 {date} 到期。",
        "en": "Expired: {name}'s certificate for “{course}” lapsed on {date}.",
    },
    "verify_superseded": {
        "zh": "已被取代：{name} 的“{course}”证书已续期，现行证书验证码为 {code}。",
        "en": "Superseded: {name}'s certificate for “{course}” was renewed; the code in force is {code}.",
    },
    "certificate_valid_until": {"zh": "有效期至 {date}。", "en": "Valid until {date}."},
    "certificate_expired": {
        "zh": "证书已于 {date} 到期：请在“今日复习”完成复习测验以续期。",
        "en": "This certificate lapsed on {date}: take the refresher quiz on Today's review to renew it.",
    },
    # spaced review
    "page_review": {"zh": "今日复习", "en": "Today's review"},
    "review_title": {"zh": "今日复习", "en": "Today's review"},
    "review_sidebar_due": {"zh": "今日待复习：{n} 题", "en": "Due for review today: {n}"},
    "review_due_today": {"zh": "今日待复习", "en": "Due today"},
    "review_intro": {
        "zh": "答错或只答对一部分的题目、已完成模块的题目，会按遗忘规律隔一段时间再出现。"
        "每题作答后立即保存，可随时停下，下次接着复习。",
        "en": "Questions you missed or got partly right, and the questions of modules you completed, come back "
        "at growing intervals. Each answer is saved at once: stop at any card and carry on later.",
    },
    "review_card_from": {"zh": "来自：{module}", "en": "From: {module}"},
    "review_source_missed": {"zh": "曾答错", "en": "missed before"},
    "review_source_refresher": {"zh": "巩固复习", "en": "refresher"},
    "review_order_help": {
        "zh": "按正确顺序依次点选各项",
        "en": "Pick the items one after another, in the right order",
    },
    "review_feeling": {"zh": "答对时，这道题对您来说（可不选）", "en": "If you get it right, it was (optional)"},
    "review_feel_hard": {"zh": "有点难", "en": "hard"},
    "review_feel_easy": {"zh": "很容易", "en": "easy"},
    "review_next": {"zh": "下次复习：{when}（{date}）", "en": "Next review: {when} ({date})"},
    "review_next_tomorrow": {"zh": "明天", "en": "tomorrow"},
    "review_next_days": {"zh": "{n} 天后", "en": "in {n} days"},
    "review_already": {
        "zh": "这张卡片已在另一个窗口作答，本次作答不重复计入。",
        "en": "This card was already answered in another tab; this answer was not counted again.",
    },
    "review_next_card": {"zh": "下一题", "en": "Next card"},
    "review_passage": {"zh": "知识库原文：{doc}", "en": "From the knowledge base: {doc}"},
    "review_open_courses": {"zh": "打开课程页面", "en": "Open Courses"},
    "review_all_done": {"zh": "今天的复习已全部完成。", "en": "You are done for today."},
    "review_next_batch": {"zh": "下一批：{date} 有 {n} 题。", "en": "Next: {n} card(s) on {date}."},
    "review_empty_deck": {
        "zh": "复习卡片来自测验：答错的题目和已完成模块的题目会自动加入。",
        "en": "Cards come from your quizzes: questions you miss and the questions of modules you complete"
        " join by themselves.",
    },
    "review_day_note": {
        "zh": "复习日：{today}（时区 {tz}，每天 {hour}:00 开始，凌晨作答计入前一天）。",
        "en": "Review day {today} (time zone {tz}; a day starts at {hour}:00, so late-night reviews count"
        " for the day before).",
    },
    "refresher_title": {"zh": "证书复习测验：{course}", "en": "Certificate refresher: {course}"},
    "refresher_lapses": {
        "zh": "您的证书将于 {date} 到期（还有 {n} 天）。通过复习测验即可续期，并获得新的验证码。",
        "en": "Your certificate lapses on {date} ({n} days left). Pass the refresher quiz to renew it with a new code.",
    },
    "refresher_lapsed": {
        "zh": "您的证书已于 {date} 到期。通过复习测验即可续期，并获得新的验证码。",
        "en": "Your certificate lapsed on {date}. Pass the refresher quiz to renew it with a new code.",
    },
    "refresher_assigned": {"zh": "培训师已为您布置此复习测验。", "en": "Your trainer assigned this refresher."},
    "refresher_start": {"zh": "开始复习测验（{n} 题以内）", "en": "Start the refresher quiz (up to {n} questions)"},
    "refresher_passed": {
        "zh": "已通过（{score}/{max}），证书已续期，新验证码：{code}。旧验证码今后显示为“已被取代”。",
        "en": "Passed ({score}/{max}): your certificate is renewed, new code {code}. The old code now verifies "
        "as superseded.",
    },
    "refresher_failed": {
        "zh": "未通过（{score}/{max}），需答对80%。可以先复习答错的题目，再试一次。",
        "en": "Not passed ({score}/{max}); 80% is needed. Review the cards you missed, then try again.",
    },
    "refresher_again": {"zh": "再做一次", "en": "Try again"},
    "retention_title": {"zh": "记忆保持情况", "en": "Retention"},
    "retention_none": {
        "zh": "还没有复习卡片：答错的题目和已完成模块的题目会自动加入“今日复习”。",
        "en": "No review cards yet: questions you miss and the questions of completed modules join Today's review.",
    },
    "retention_cards": {"zh": "卡片数", "en": "Cards"},
    "retention_recall": {"zh": "今日预计记得", "en": "Predicted recall today"},
    "retention_overdue": {"zh": "已逾期", "en": "Overdue"},
    "retention_next": {"zh": "下次复习", "en": "Next review"},
    "retention_help": {
        "zh": "“今日预计记得”是复习算法（FSRS）根据每张卡片的记忆稳定度估计的答对概率的平均值。",
        "en": "Predicted recall is the chance of answering right today, estimated by the review scheduler (FSRS) "
        "from each card's memory stability, averaged over the module's reviewed cards.",
    },
    "retention_upcoming": {"zh": "接下来的复习", "en": "Next reviews"},
    # trainer dashboard: retention and expiring certificates
    "tab_retention": {"zh": "记忆与证书", "en": "Retention"},
    "rt_intro": {
        "zh": "学员复习卡片的预计记忆情况、逾期卡片，以及即将到期的证书。",
        "en": "What learners are predicted to remember from their review cards, cards overdue, and certificates"
        " about to lapse.",
    },
    "rt_expiring": {"zh": "即将到期的证书", "en": "Certificates lapsing soon"},
    "rt_within": {"zh": "{n} 天内到期", "en": "Lapsing in the next {n} days"},
    "rt_lapsed": {"zh": "已到期", "en": "Lapsed"},
    "rt_expires": {"zh": "到期日", "en": "Lapses on"},
    "rt_days_left": {"zh": "剩余天数", "en": "Days left"},
    "rt_code": {"zh": "验证码", "en": "Code"},
    "rt_recall": {"zh": "各模块预计记忆情况", "en": "Predicted recall by learner and module"},
    "rt_none": {
        "zh": "还没有学员的复习卡片：答错的题目和已完成模块的题目会自动加入“今日复习”。",
        "en": "No learner has review cards yet: missed questions and the questions of completed modules join"
        " Today's review by themselves.",
    },
    "rt_learners": {"zh": "有复习卡片的学员", "en": "Learners with cards"},
    "rt_overdue_cards": {"zh": "逾期卡片", "en": "Cards overdue"},
    "rt_recall_col": {"zh": "今日预计记得", "en": "Recall today"},
    "rt_assign_title": {"zh": "布置证书复习测验", "en": "Assign a certificate refresher"},
    "rt_assign_help": {
        "zh": "所选人员会在“今日复习”看到本课程的复习测验，无论证书何时到期；通过即续期。没有有效证书的人不会收到。",
        "en": "The people chosen see this course's refresher quiz on Today's review whatever their expiry date;"
        " passing renews the certificate. People without a certificate in force are left out.",
    },
    "rt_assign_button": {"zh": "布置复习测验", "en": "Assign the refresher"},
    "rt_assign_nobody": {"zh": "请选择一个部门 / 镇街或人员。", "en": "Choose a department / town or people first."},
    "rt_assigned": {"zh": "已为 {n} 人布置复习测验。", "en": "Refresher assigned to {n} people."},
    "rt_no_certificate": {
        "zh": "{n} 人没有本课程的有效证书，未布置：{who}。请先让他们完成课程。",
        "en": "{n} without a certificate in force for this course, not assigned: {who}. Have them complete the"
        " course first.",
    },
    "export_retention": {"zh": "预计记忆", "en": "Retention"},
    "export_expiring": {"zh": "即将到期证书", "en": "Expiring certificates"},
    # draft checker
    "page_check_draft": {"zh": "稿件发布前检查", "en": "Check a draft"},
    "draft_title": {"zh": "稿件发布前检查", "en": "Check a draft before publishing"},
    "draft_caption": {
        "zh": "检查只给提示，不拦截发布；是否发布由审核人决定。",
        "en": "The checker informs; it never blocks. The reviewers decide.",
    },
    "draft_paste": {"zh": "粘贴标题和正文", "en": "Paste title and body"},
    "draft_upload": {"zh": "上传保存的公众号文章（.html）", "en": "Upload a saved WeChat article (.html)"},
    "draft_file_too_big": {
        "zh": "{name} 超过 {mb} MB，请上传更小的文件（上限由 APP_MAX_FILE_MB 设置）。",
        "en": "{name} is over {mb} MB: upload a smaller file (the limit is set by APP_MAX_FILE_MB).",
    },
    "draft_field_title": {"zh": "标题", "en": "Title"},
    "draft_field_body": {"zh": "正文", "en": "Body"},
    "draft_check": {"zh": "检查", "en": "Check"},
    "draft_needs_text": {
        "zh": "请填写标题和正文，或上传一篇文章。",
        "en": "Enter a title and a body, or upload an article.",
    },
    "draft_summary": {
        "zh": "需要改正 {errors} 处 · 建议修改 {warnings} 处 · 提示 {infos} 处",
        "en": "{errors} errors · {warnings} warnings · {infos} notes",
    },
    "draft_sev_error": {"zh": "需要改正", "en": "Errors"},
    "draft_sev_warning": {"zh": "建议修改", "en": "Warnings"},
    "draft_sev_info": {"zh": "提示", "en": "Notes"},
    "draft_nothing": {"zh": "没有发现问题。", "en": "Nothing found."},
    "draft_facts": {"zh": "需要核对的事实", "en": "Facts to double-check"},
    "draft_originality": {"zh": "与知识库内容相近的段落", "en": "Passages close to the knowledge base"},
    "draft_no_matches": {
        "zh": "没有发现与知识库高度相似的段落。",
        "en": "No passage closely matches the knowledge base.",
    },
    "draft_release": {"zh": "建议发布时间", "en": "Suggested release"},
    "draft_source": {"zh": "依据：{doc} 第{page}页", "en": "Source: {doc} p.{page}"},
    "draft_download": {"zh": "下载检查单（Markdown）", "en": "Download the review sheet (Markdown)"},
    "draft_words_title": {"zh": "错敏字词表：添加字词（管理员）", "en": "Word list: add an entry (admins)"},
    "draft_word_wrong": {"zh": "要查找的字词", "en": "Wording to look for"},
    "draft_word_suggestion": {"zh": "建议写法", "en": "Suggestion"},
    "draft_word_category": {"zh": "类别", "en": "Category"},
    "draft_word_note": {"zh": "说明", "en": "Note"},
    "draft_word_add": {"zh": "添加", "en": "Add"},
    "draft_word_added": {"zh": "已添加“{wrong}”。", "en": "Added “{wrong}”."},
    "draft_words_count": {"zh": "字词表共 {n} 条（含示例表）。", "en": "{n} entries in the lists (samples included)."},
    # dashboard
    "page_dashboard": {"zh": "培训看板", "en": "Dashboard"},
    "dashboard_title": {"zh": "培训看板", "en": "Trainer dashboard"},
    "tab_gradebook": {"zh": "成绩册", "en": "Gradebook"},
    "tab_items": {"zh": "试题分析", "en": "Quiz analysis"},
    "tab_gaps": {"zh": "知识缺口", "en": "Knowledge gaps"},
    "tab_usage": {"zh": "使用情况", "en": "Usage"},
    "tab_exports": {"zh": "导出", "en": "Exports"},
    "group": {"zh": "部门 / 镇街", "en": "Department / town"},
    "all_groups": {"zh": "全部", "en": "All"},
    "no_learners": {"zh": "还没有学员。", "en": "No learners yet."},
    "overdue": {"zh": "逾期", "en": "Overdue"},
    "due": {"zh": "截止日期", "en": "Due"},
    "learner_detail": {"zh": "查看学员的作答记录", "en": "A learner's attempts and answers"},
    "include_staff": {"zh": "统计中包含培训师和管理员", "en": "Include trainers and admins"},
    "include_staff_help": {
        "zh": "默认只统计学员：培训师和管理员试做的测验和提问不计入成绩册、试题分析和使用情况。"
        "知识缺口始终包含所有人的提问。",
        "en": "By default only learners count: trainers' and admins' quiz attempts and questions stay out of the "
        "gradebook, quiz analysis and usage. Knowledge gaps always include everyone's questions.",
    },
    "gradebook_legend": {
        "zh": "✓ = 已完成 · ○ = 测验已通过、课文未读完 · (n) = 正式测验次数 · – = 尚无成绩",
        "en": "✓ = completed · ○ = passed, lessons unread · (n) = graded attempts · – = no grade yet",
    },
    "col_attempt": {"zh": "测验编号", "en": "Attempt"},
    "col_mode": {"zh": "方式", "en": "Mode"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_submitted": {"zh": "提交时间", "en": "Submitted"},
    "col_position": {"zh": "题序", "en": "No."},
    "col_question_no": {"zh": "题号", "en": "Question"},
    "col_prompt": {"zh": "题目", "en": "Prompt"},
    "col_response": {"zh": "作答", "en": "Answer"},
    "col_mark": {"zh": "得分", "en": "Mark"},
    "col_n": {"zh": "作答人次", "en": "Attempts"},
    "col_facility": {"zh": "难度系数 %", "en": "Facility %"},
    "col_sd": {"zh": "标准差 %", "en": "SD %"},
    "col_discrimination": {"zh": "区分度 %", "en": "Discrimination %"},
    "col_efficiency": {"zh": "区分效率 %", "en": "Efficiency %"},
    "col_flags": {"zh": "提示", "en": "Flags"},
    "col_notes": {"zh": "说明", "en": "Notes"},
    "col_option": {"zh": "选项", "en": "Option"},
    "col_option_text": {"zh": "选项内容", "en": "Text"},
    "col_correct": {"zh": "正确选项", "en": "Correct"},
    "col_count": {"zh": "人数", "en": "Count"},
    "col_citations": {"zh": "被引用次数", "en": "Citations"},
    "mode_graded": {"zh": "正式测验", "en": "graded"},
    "mode_practice": {"zh": "练习", "en": "practice"},
    "status_open": {"zh": "作答中", "en": "open"},
    "status_submitted": {"zh": "已提交", "en": "submitted"},
    "status_expired": {"zh": "超时", "en": "timed out"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "quiz_notes": {"zh": "部分数值无法计算：{why}", "en": "Some values cannot be computed: {why}"},
    "active_people": {"zh": "活跃人数", "en": "Active people"},
    "date_col": {"zh": "日期", "en": "Date"},
    "few_attempts": {
        "zh": "只有 {n} 人次首次作答，统计结果仅供参考（建议至少 {min} 人次）。",
        "en": "Only {n} first attempts: treat these numbers with care (at least {min} are advisable).",
    },
    "ia_no_attempts": {
        "zh": "这个模块还没有完成的正式测验。",
        "en": "No finished graded attempts for this module yet.",
    },
    "quiz_stats": {
        "zh": "人次 {n} · 平均 {mean}% · 标准差 {sd}% · 内部一致性 α {alpha} · 误差比 {er} · 标准误 {se}",
        "en": "Attempts {n} · mean {mean}% · SD {sd}% · alpha {alpha} · error ratio {er} · standard error {se}",
    },
    "distractors": {"zh": "选项分布：{q}", "en": "Option frequencies: {q}"},
    # item analysis (trainer.analytics.itemstats): flags, and why a value is missing
    "flag_very_hard": {"zh": "几乎无人答对（难度系数≤5%）", "en": "Almost nobody gets it right (facility ≤ 5%)"},
    "flag_very_easy": {"zh": "几乎人人答对（难度系数≥95%）", "en": "Almost everybody gets it right (facility ≥ 95%)"},
    "flag_low_discrimination": {"zh": "区分度偏低（低于30%）", "en": "Weak discrimination (below 30%)"},
    "flag_negative_discrimination": {
        "zh": "区分度为负：总分高的学员反而答错，请检查答案",
        "en": "Negative discrimination: stronger learners do worse on it - check the key",
    },
    "flag_low_efficiency": {"zh": "区分效率偏低（低于15%）", "en": "Low discriminative efficiency (below 15%)"},
    "note_one_attempt": {
        "zh": "仅{n}次作答，至少需要2次",
        "en": "only {n} attempt showed this question: needs at least 2",
    },
    "note_same_score": {
        "zh": "所有人得分相同（{facility}%），无法区分学员水平",
        "en": "everyone scored the same on it ({facility}%), so it cannot tell stronger from weaker learners",
    },
    "note_constant_rest": {
        "zh": "其余题目得分人人相同（或没有其他题目），无法计算相关",
        "en": "the rest of the test scored the same for everyone (or there is no other question), so there is "
        "nothing to correlate with",
    },
    "note_covmax_zero": {"zh": "最大可能协方差为0", "en": "the maximum possible covariance is 0"},
    "note_no_attempts": {"zh": "没有作答记录", "en": "no attempts"},
    "note_two_attempts": {"zh": "至少需要2次作答", "en": "needs at least 2 attempts"},
    "note_two_questions": {"zh": "至少需要2道题", "en": "needs at least 2 questions"},
    "note_random_questions": {
        "zh": "各次作答的题目不同（随机抽题），内部一致性系数要求所有人答同样的题",
        "en": "attempts showed different questions (drawn at random): Cronbach's alpha needs every attempt "
        "to answer the same questions",
    },
    "note_same_totals": {"zh": "所有作答总分相同", "en": "every attempt has the same total"},
    "flagged": {"zh": "需关注的题目", "en": "Questions to look at"},
    "gaps_intro": {
        "zh": "问答功能未找到答案、只找到相关段落或被点“踩”的问题，按相似度归类。",
        "en": "Questions the chat found no answer to, or only related passages, or that got a thumbs-down, "
        "grouped by similarity.",
    },
    "no_gaps": {"zh": "没有待处理的知识缺口。", "en": "No open knowledge gaps."},
    "times_asked": {"zh": "{n} 次", "en": "{n}×"},
    "weekly_trend": {
        "zh": "本周 {this} 次 · 上周 {last} 次 · 近 8 周共 {total} 次",
        "en": "This week {this} · last week {last} · {total} in the last 8 weeks",
    },
    "week_col": {"zh": "周", "en": "Week"},
    "week_ago": {"zh": "{n} 周前", "en": "{n} wk ago"},
    "this_week": {"zh": "本周", "en": "this week"},
    "times_col": {"zh": "次数", "en": "Times"},
    "wordings": {"zh": "提问原文", "en": "How it was asked"},
    "faq_answer": {"zh": "审定答案", "en": "Curated answer"},
    "faq_source": {"zh": "依据（文件或制度名称）", "en": "Source (document or rule)"},
    "make_faq": {"zh": "保存为审定答案", "en": "Save as curated answer"},
    "mark_handled": {"zh": "标记为已处理", "en": "Mark handled"},
    "faq_saved": {"zh": "已保存审定答案。", "en": "Curated answer saved."},
    "handled": {"zh": "已标记为已处理。", "en": "Marked as handled."},
    "asked_per_day": {
        "zh": "每日提问（已回答 / 相关段落 / 未找到）",
        "en": "Questions per day (answered / related / not found)",
    },
    "active_per_day": {"zh": "每日活跃人数", "en": "Active people per day"},
    "top_documents": {"zh": "被引用最多的文件", "en": "Most cited documents"},
    "export_gradebook": {"zh": "成绩册", "en": "Gradebook"},
    "export_attempts": {"zh": "作答明细", "en": "Attempts with answers"},
    "export_items": {"zh": "试题统计", "en": "Item statistics"},
    "export_gaps": {"zh": "知识缺口", "en": "Knowledge gaps"},
    "export_all_xlsx": {"zh": "全部导出为 Excel", "en": "Everything as Excel"},
    "import_title": {"zh": "从 CSV 批量导入人员", "en": "Import people from CSV"},
    "import_help": {
        "zh": "表头：姓名,用户名,部门,角色（英文表头亦可），可选“密码”列。任何一行有误都不会导入。",
        "en": "Header: name,username,department,role (or 姓名,用户名,部门,角色), optional password. "
        "Nothing is imported if any row is wrong.",
    },
    "import_button": {"zh": "导入", "en": "Import"},
    "imported": {"zh": "已导入 {n} 人。", "en": "Imported {n} people."},
    "import_passwords": {"zh": "下载初始密码（只此一次）", "en": "Download the new passwords (once only)"},
    "row_error": {"zh": "第 {row} 行：{message}", "en": "Row {row}: {message}"},
    "assign_title": {"zh": "分配课程", "en": "Assign a course"},
    "assign_people": {"zh": "人员", "en": "People"},
    "assign_group": {"zh": "或按部门 / 镇街", "en": "or a whole department / town"},
    "assign_button": {"zh": "分配", "en": "Assign"},
    "assigned": {"zh": "已分配给 {n} 人。", "en": "Assigned to {n} people."},
}


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to Chinese), with ``{name}`` fields filled."""
    entry = TEXT[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


# Our errors carry both languages, "English - what to do · 中文": the Chinese half starts at the
# first " · " followed by a Chinese character.
_BILINGUAL = re.compile(r" · (?=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“])")


def one_language(message: str, lang: str) -> str:
    """The half of a bilingual message ("English · 中文") in ``lang``; other messages unchanged."""
    parts = _BILINGUAL.split(message, maxsplit=1)
    if len(parts) != 2:
        return message
    return parts[1] if lang == "zh" else parts[0]


def preferred_language(saved: str, browser_locale: str | None) -> str:
    """The user's saved choice, else the browser's language; Chinese unless the browser says otherwise."""
    if saved in LANGUAGES:
        return saved
    if browser_locale and not browser_locale.lower().startswith("zh"):
        return "en"
    return "zh"
