"""Ingestion throughput: our pipeline against the LangChain tutorial pipeline, side by side.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/ingest_throughput.py [--pages 200] [--threads 1]

Makes a reproducible PDF corpus in a temporary folder (seeded generator of government-media
policy text, English and a share in Chinese, 5 pages a file, plus the sample policy PDFs),
then ingests it, in one process and one after the other:

- ``tutorial``: PyPDFLoader -> RecursiveCharacterTextSplitter(1000, 200) ->
  HuggingFaceEmbeddings(bundled all-MiniLM-L6-v2) -> Chroma.from_documents(persist_directory);
- ``ours/minilm-onnx``: ``KnowledgeBase.ingest([folder])`` with ``embedding_model="minilm"`` on
  the default engine (onnxruntime, the same model exported on this machine), then the same
  call again (all unchanged);
- ``ours/minilm-torch``: the same on sentence-transformers (``APP_EMBEDDING_ENGINE=torch``);
- ``ours/minilm-onnx-int8`` (``--int8``): the opt-in int8 export, for information;
- ``ours/e5-small`` (``--e5``): the default model, for information, and its re-ingest.

Models are loaded (and warmed up) before the clock starts, for every pipeline; load
times are reported apart. Each pipeline's time is split into load/split, embedding and
storing, and the chunks are described (count, tokens each, characters embedded, how
much text MiniLM silently truncated), which is what explains the ratio. The stored
vectors of the ONNX runs are compared with the torch run's (cosine per chunk).

Ablations (skip with ``--no-ablation``): the ONNX run again with one embedding group per
file (what batching across files gives), and the ONNX engine's inner batch size on a slice
of our chunk texts, against sentence-transformers on the same slice.

Prints Markdown tables and writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import ROOT, write_results  # noqa: E402  (sets the environment first)

import knowledge.kb as kb_module  # noqa: E402
from knowledge import lexical  # noqa: E402
from knowledge.embeddings import bundled_minilm_path, make_embedder  # noqa: E402
from knowledge.kb import KnowledgeBase  # noqa: E402
from knowledge.language import detect_language  # noqa: E402
from knowledge.settings import Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SAMPLE_PDFS = ROOT / "knowledge" / "samples" / "policies"
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PAGES_PER_FILE = 5

# ---------------------------------------------------------------------------- corpus

EN_UNITS = [
    "the District Government Office",
    "the Publicity Department",
    "the Bureau of Civil Affairs",
    "the Emergency Management Bureau",
    "the Health Commission",
    "the Market Supervision Bureau",
    "each township government",
    "the Convergence Media Centre",
    "the Education Bureau",
    "the Human Resources and Social Security Bureau",
    "the Housing and Urban-Rural Development Bureau",
    "the Bureau of Ecology and Environment",
    "each street office",
    "the Transport Bureau",
]
EN_ACCOUNTS = [
    "official WeChat account",
    "government new-media account",
    "service account",
    "subscription account",
    "short-video account",
    "Weibo account",
    "mini program",
    "government website",
]
EN_OBJECTS = [
    "the publication of policy documents",
    "replies to public messages",
    "the review of draft articles",
    "the registration of new accounts",
    "the closure of inactive accounts",
    "password changes",
    "the monthly reading statistics",
    "the emergency notice",
    "corrections of factual errors",
    "the duty rota for holidays",
    "the annual assessment report",
    "the content calendar",
    "the handling of rumours",
    "the protection of personal information",
    "the archiving of published posts",
]
EN_VERBS = [
    "complete",
    "approve",
    "submit",
    "verify",
    "publish",
    "record",
    "review",
    "report",
    "confirm",
    "update",
]
EN_TEMPLATES = [
    "Article {n}. {Unit} shall {verb} {obj} within {d} working days of receiving the request.",
    "The person in charge of the {acct} shall {verb} {obj} and keep a written record for at least {y} years.",
    "Where {obj} involves figures, dates or names of officials, the editor shall check them against the "
    "original source before the second review.",
    "No content may be published on the {acct} before it has passed the first, second and final review.",
    "{Unit} is responsible for {obj} and reports the results to the district office every {p}.",
    "Messages from the public that ask for information shall receive a reply within {d} working days; "
    "complaints are forwarded to the competent department within {h} hours.",
    "An account that has not been updated for more than {w} weeks is listed as inactive and its operator "
    "is notified in writing.",
    "Administrators of the {acct} use two-factor authentication and change their passwords every {m} months.",
    "During public holidays, {unit} keeps at least one reviewer on duty and answers urgent messages within {h} hours.",
    "The annual assessment gives {s} points to timeliness, {s2} points to accuracy and {s3} points to the "
    "quality of replies.",
    "Before an emergency notice is published, the duty officer confirms the facts with {unit} by telephone.",
    "Corrections are published on the same {acct} within {h} hours, and the original post is marked as corrected.",
    "Staff who leave the unit hand over their accounts within {d} working days, and their access is removed "
    "the same day.",
    "The operator shall not repost unverified information from personal accounts or from commercial platforms.",
    "Reading statistics are compiled on the {dd}th of each month and sent to {unit} for the monthly report.",
    "Pictures and videos carry a caption that names the source and the date on which they were taken.",
    "Any personal information in a reply is removed or masked before the reply is made public.",
    "If a rumour concerning {obj} spreads online, {unit} publishes an authoritative clarification within {h} hours.",
    "Content that concerns several departments is reviewed by each of them before {unit} publishes it.",
    "Violations of these rules are recorded in the annual assessment and may lead to the account being "
    "suspended for up to {w} weeks.",
]
EN_HEADINGS = [
    "General Provisions",
    "Opening and Registration",
    "Review Before Publishing",
    "Replies to the Public",
    "Account Security",
    "Emergency Publishing",
    "Statistics and Assessment",
    "Closure of Accounts",
    "Personal Information",
    "Supervision and Accountability",
    "Supplementary Provisions",
]

ZH_UNITS = [
    "区政府办公室",
    "区委宣传部",
    "区民政局",
    "区应急管理局",
    "区卫生健康委",
    "区市场监管局",
    "各镇人民政府",
    "区融媒体中心",
    "区教育局",
    "区人力资源社会保障局",
    "区住房城乡建设局",
    "各街道办事处",
    "区交通运输局",
]
ZH_ACCOUNTS = ["政务公众号", "政务新媒体账号", "服务号", "订阅号", "政务短视频账号", "政务微博", "政务网站"]
ZH_OBJECTS = [
    "政策文件发布",
    "网民留言答复",
    "稿件审核",
    "新开账号备案",
    "僵尸号清理",
    "密码更换",
    "月度阅读量统计",
    "应急信息发布",
    "错敏字词更正",
    "节假日值班值守",
    "年度考核报告",
    "选题日历",
    "谣言处置",
    "个人信息保护",
    "已发布内容归档",
]
ZH_TEMPLATES = [
    "第{cn}条 {unit}应当在收到申请之日起{d}个工作日内完成{obj}工作。",
    "{acct}的运营者负责{obj}，相关记录保存不少于{y}年。",
    "涉及数字、日期和领导姓名的内容，编辑应当在二审前与原始来源逐一核对。",
    "所有内容实行先审后发，未经三审三校的稿件不得在{acct}上发布。",
    "{unit}负责{obj}，每{pz}向区政府办公室报告一次工作情况。",
    "网民留言咨询政策的，应当在{d}个工作日内答复；投诉类留言应当在{h}小时内转交主管部门。",
    "连续{w}周未更新的账号列为僵尸号，由主管单位书面通知运营者整改。",
    "{acct}管理员应当开启双因素认证，每{m}个月更换一次密码。",
    "节假日期间，{unit}至少安排一名审核人员值班，紧急留言在{h}小时内回复。",
    "年度考核中，时效性占{s}分，准确性占{s2}分，答复质量占{s3}分。",
    "发布应急信息前，值班人员应当与{unit}电话核实有关情况。",
    "发现错误的，应当在{h}小时内在同一{acct}发布更正，并在原稿件处标注。",
    "工作人员离职的，应当在{d}个工作日内交接账号，当日取消其管理权限。",
    "运营者不得转发个人账号或商业平台上未经核实的信息。",
    "每月{dd}日汇总阅读量数据，报送{unit}编制月度报告。",
    "图片和视频应当配有说明，注明来源和拍摄日期。",
    "答复中涉及个人信息的，公开前应当删除或者作脱敏处理。",
    "涉及{obj}的谣言在网上传播的，{unit}应当在{h}小时内发布权威澄清。",
    "涉及多个部门的内容，应当经各部门审核后由{unit}统一发布。",
    "违反本办法的，计入年度考核，情节严重的暂停账号更新不超过{w}周。",
]
ZH_HEADINGS = [
    "总则",
    "账号开设与备案",
    "内容审核发布",
    "留言办理",
    "账号安全",
    "应急发布",
    "统计与考核",
    "账号关停",
    "个人信息保护",
    "监督与责任追究",
    "附则",
]
CN_NUM = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n >= 100:
        return str(n)
    if n <= 10:
        return CN_NUM[n - 1]
    if n < 20:
        return "十" + (CN_NUM[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN_NUM[tens - 1] + "十" + (CN_NUM[ones - 1] if ones else "")


def _slots(rng: random.Random, zh: bool, n: int) -> dict[str, Any]:
    units, accts, objs = (ZH_UNITS, ZH_ACCOUNTS, ZH_OBJECTS) if zh else (EN_UNITS, EN_ACCOUNTS, EN_OBJECTS)
    unit = rng.choice(units)
    return {
        "n": n,
        "cn": _cn(n),
        "unit": unit,
        "Unit": unit[:1].upper() + unit[1:],
        "acct": rng.choice(accts),
        "obj": rng.choice(objs),
        "verb": rng.choice(EN_VERBS),
        "d": rng.choice([2, 3, 5, 7, 10, 15]),
        "y": rng.choice([2, 3, 5]),
        "p": rng.choice(["month", "quarter", "half year"]),
        "pz": rng.choice(["月", "季度", "半年"]),
        "h": rng.choice([2, 4, 12, 24, 48]),
        "w": rng.choice([2, 4, 8, 12]),
        "m": rng.choice([1, 3, 6]),
        "s": rng.choice([20, 30, 40]),
        "s2": rng.choice([20, 30]),
        "s3": rng.choice([10, 20, 30]),
        "dd": rng.choice([1, 3, 5, 10]),
    }


def make_pages(rng: random.Random, zh: bool, pages: int) -> list[str]:
    """Text of each page: numbered headings and paragraphs of 2-5 sentences, about a page each."""
    templates, headings = (ZH_TEMPLATES, ZH_HEADINGS) if zh else (EN_TEMPLATES, EN_HEADINGS)
    budget = 1050 if zh else 2700  # characters that fit on one A4 page at 11 pt
    article, section = 1, 1
    out = []
    for _ in range(pages):
        paras: list[str] = []
        size = 0
        while size < budget:
            if rng.random() < 0.18:
                h = rng.choice(headings)
                para = f"第{_cn(section)}章 {h}" if zh else f"{section}. {h}"
                section += 1
            else:
                sentences = []
                for _ in range(rng.randint(2, 5)):
                    sentences.append(rng.choice(templates).format(**_slots(rng, zh, article)))
                    article += 1
                para = ("" if zh else " ").join(sentences)
            paras.append(para)
            size += len(para)
        out.append("\n".join(paras))
    return out


def pdf_bytes(pages: list[str], title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_font("cjk", fname=CJK_FONT)
    for text in pages:
        pdf.add_page()
        pdf.set_font("cjk", size=11)
        for para in text.split("\n"):
            pdf.multi_cell(0, 6, para)
            pdf.ln(1.5)
    return bytes(pdf.output())


def build_corpus(folder: Path, total_pages: int, zh_share: float, seed: int) -> dict[str, Any]:
    import pypdf

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = max(1, round(total_pages / PAGES_PER_FILE))
    zh_files = set(rng.sample(range(files), round(files * zh_share)))
    for i in range(files):
        zh = i in zh_files
        title = (
            f"柳塘区政务新媒体管理规定（第{i + 1}号）"
            if zh
            else f"Liutang District Rules on Government New Media No. {i + 1}"
        )
        pages = make_pages(rng, zh, PAGES_PER_FILE)
        (folder / f"{'zh' if zh else 'en'}-rules-{i + 1:03d}.pdf").write_bytes(pdf_bytes(pages, title))
    for sample in sorted(SAMPLE_PDFS.glob("*.pdf")):
        shutil.copy(sample, folder / f"sample-{sample.name}")
    pdfs = sorted(folder.glob("*.pdf"))
    pages = sum(len(pypdf.PdfReader(str(p)).pages) for p in pdfs)
    return {
        "files": len(pdfs),
        "generated_files": files,
        "generated_zh_files": len(zh_files),
        "sample_files": len(pdfs) - files,
        "pages": pages,
        "bytes": sum(p.stat().st_size for p in pdfs),
    }


# ---------------------------------------------------------------------------- helpers


class Clock:
    """Accumulated seconds and call counts per label."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, label: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed


class TimedEmbedder:
    """Our embedder, with time, batch sizes and characters of every call recorded."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.fingerprint = inner.fingerprint
        self.dim = inner.dim
        self.max_tokens = inner.max_tokens
        self.batches: list[int] = []
        self.chars = 0
        self.texts: list[str] = []
        self.count_tokens = clock.wrap("count_tokens", inner.count_tokens)
        self.embed_query = inner.embed_query

    def embed_passages(self, texts: list[str]) -> Any:
        self.batches.append(len(texts))
        self.chars += sum(len(t) for t in texts)
        self.texts.extend(texts)
        return self.clock.wrap("embed", self.inner.embed_passages)(texts)


def token_stats(counts: list[int], limit: int) -> dict[str, Any]:
    if not counts:
        return {}
    over = [c for c in counts if c > limit]
    return {
        "mean": round(statistics.fmean(counts), 1),
        "median": statistics.median(counts),
        "max": max(counts),
        "total": sum(counts),
        "through_model": sum(min(c, limit) for c in counts),
        "over_limit": len(over),
        "tokens_cut_by_truncation": sum(c - limit for c in over),
    }


def by_language(languages: list[str], counts: list[int], limit: int) -> dict[str, Any]:
    out = {}
    for lang in sorted(set(languages)):
        mine = [c for c, g in zip(counts, languages, strict=True) if g == lang]
        out[lang] = {"chunks": len(mine), **token_stats(mine, limit)}
    return out


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------------------- pipelines


def run_tutorial(corpus: Path, work: Path, embeddings: Any, tokenizer: Any, max_seq: int) -> dict[str, Any]:
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    clock = Clock()

    class Timed(Embeddings):  # delegates: lets us time the embedding inside from_documents
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return clock.wrap("embed", embeddings.embed_documents)(texts)

        def embed_query(self, text: str) -> list[float]:
            return embeddings.embed_query(text)

    t0 = time.perf_counter()
    docs = []
    for pdf in sorted(corpus.glob("*.pdf")):
        docs.extend(PyPDFLoader(str(pdf)).load())
    t_load = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(docs)
    t_split = time.perf_counter()
    store = Chroma.from_documents(chunks, Timed(), persist_directory=str(work / "tutorial-chroma"))
    t_end = time.perf_counter()
    count = store._collection.count()
    del store
    wall = t_end - t0
    texts = [c.page_content.replace("\n", " ") for c in chunks]  # what HuggingFaceEmbeddings embeds
    tokens = [len(ids) for ids in tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]]
    embed = clock.seconds.get("embed", 0.0)
    return {
        "wall_s": wall,
        "pages": len(docs),
        "chunks": len(chunks),
        "vectors_stored": count,
        "phases_s": {
            "load_pdf": t_load - t0,
            "split": t_split - t_load,
            "embed": embed,
            "store": (t_end - t_split) - embed,
        },
        "embedded_chars": sum(len(t) for t in texts),
        "embed_calls": clock.calls.get("embed", 0),
        "embed_batch": "all chunks in one embed_documents call; sentence-transformers batch_size=32, "
        "sorted by length over the whole corpus",
        "tokens_per_chunk": token_stats(tokens, max_seq),
        "tokens_by_language": by_language([detect_language(t) for t in texts], tokens, max_seq),
        "model_max_seq_length": max_seq,
    }


def run_ours(
    corpus: Path, data_dir: Path, model: str, embedder: Any, *, group_chunks: int | None = None
) -> dict[str, Any]:
    """``group_chunks`` overrides kb.GROUP_CHUNKS (1: every file embedded on its own, as before)."""
    load_start = os.getloadavg()[0]
    clock = Clock()
    timed = TimedEmbedder(embedder, clock)
    settings = Settings.from_env({}, data_dir=data_dir, embedding_model=model)
    kb = KnowledgeBase(settings, embedder=timed)
    originals = {name: getattr(kb_module, name) for name in ("load_bytes", "chunk_document", "GROUP_CHUNKS")}
    if group_chunks is not None:
        kb_module.GROUP_CHUNKS = group_chunks
    kb_module.load_bytes = clock.wrap("load", originals["load_bytes"])
    kb_module.chunk_document = clock.wrap("chunk", originals["chunk_document"])
    store_add = None
    try:
        t0 = time.perf_counter()
        store = kb.store  # opening Chroma counts, as in the tutorial's from_documents
        store_add = store.add
        store.add = clock.wrap("store_vectors", store_add)  # type: ignore[method-assign]
        kb.catalog.replace_document = clock.wrap("catalog", kb.catalog.replace_document)  # type: ignore[method-assign]
        results = kb.ingest([corpus])
        wall = time.perf_counter() - t0
        failed = [r.line() for r in results if r.status == "failed"]
        t1 = time.perf_counter()
        again = kb.ingest([corpus])
        wall2 = time.perf_counter() - t1
    finally:
        for name, value in originals.items():
            setattr(kb_module, name, value)
    rows = kb.catalog.db.execute("SELECT tokens, language FROM chunks ORDER BY rowid").fetchall()
    chunk_tokens = [r[0] for r in rows]
    chunks = sum(r.chunks for r in results)
    pages = sum(r.pages for r in results)
    embed = clock.seconds.get("embed", 0.0)
    # chunk_document's time includes its count_tokens calls; show the tokenizer's share apart.
    out = {
        "wall_s": wall,
        "pages": pages,
        "chunks": chunks,
        "vectors_stored": kb.store.count(),
        "failed": failed,
        "statuses": sorted({r.status for r in results}),
        "phases_s": {
            "load_pdf": clock.seconds.get("load", 0.0),
            "chunk": clock.seconds.get("chunk", 0.0),
            "of_which_count_tokens": clock.seconds.get("count_tokens", 0.0),
            "embed": embed,
            "store_vectors": clock.seconds.get("store_vectors", 0.0),
            "catalog_fts": clock.seconds.get("catalog", 0.0),
        },
        "count_tokens_calls": clock.calls.get("count_tokens", 0),
        "embedded_chars": timed.chars,
        "embed_calls": len(timed.batches),
        "embed_batch_mean": round(statistics.fmean(timed.batches), 1) if timed.batches else 0,
        "embed_batches_under_16": sum(1 for b in timed.batches if b < 16),
        "embed_batches_of_1_to_4": sum(1 for b in timed.batches if b <= 4),
        "engine": type(embedder).__name__,
        "fingerprint": embedder.fingerprint,
        "engine_batch_size": getattr(embedder, "batch_size", None),
        "embed_batch": f"EMBED_BATCH={kb_module.EMBED_BATCH} texts per embed_passages call, longest first "
        f"across files in groups of >= {group_chunks or kb_module.GROUP_CHUNKS} chunks",
        "tokens_per_chunk": token_stats(chunk_tokens, timed.max_tokens),
        "tokens_by_language": by_language([r[1] for r in rows], chunk_tokens, timed.max_tokens),
        "model_max_tokens": timed.max_tokens,
        "reingest_wall_s": wall2,
        "reingest_statuses": sorted({r.status for r in again}),
    }
    other = out["phases_s"]
    other["other"] = wall - sum(v for k, v in other.items() if k != "of_which_count_tokens")
    out["load_avg_before"] = load_start
    out["load_avg_after"] = os.getloadavg()[0]
    out["_vectors"] = kb.store.vectors(sorted(kb.store.ids()))
    kb.close()
    out["_texts"] = timed.texts
    return out


def agreement(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Cosine of the two runs' stored vectors, chunk by chunk (same ids: same file, same chunk)."""
    import numpy as np

    common = sorted(set(a) & set(b))
    cos = np.array([float(np.dot(a[i], b[i]) / (np.linalg.norm(a[i]) * np.linalg.norm(b[i]))) for i in common])
    if not len(cos):
        return {"chunks": 0}
    return {
        "chunks": len(common),
        "only_in_one": len(set(a) ^ set(b)),
        "cos_min": float(cos.min()),
        "cos_mean": float(cos.mean()),
        "cos_p01": float(np.percentile(cos, 1)),
    }


def batch_ablation(texts: list[str], onnx: Any, torch_st: Any, sizes: list[int]) -> dict[str, Any]:
    """Seconds to embed the same texts: sentence-transformers (batch 32, its own length sort)
    and the ONNX engine at several inner batch sizes."""
    out: dict[str, Any] = {"texts": len(texts), "tokens": sum(onnx.count_tokens(t) for t in texts)}
    t0 = time.perf_counter()
    torch_st.embed_passages(texts)
    out["torch_batch32_s"] = time.perf_counter() - t0
    keep = onnx.batch_size
    try:
        for size in sizes:
            onnx.batch_size = size
            t0 = time.perf_counter()
            onnx.embed_passages(texts)
            out[f"onnx_batch{size}_s"] = time.perf_counter() - t0
    finally:
        onnx.batch_size = keep
    return out


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="generated pages (5 per file; samples come on top)")
    parser.add_argument("--zh-share", type=float, default=0.25, help="share of generated files in Chinese")
    parser.add_argument("--seed", type=int, default=20260312)
    parser.add_argument("--e5", action="store_true", help="add the e5-small run (the default model; slow)")
    parser.add_argument("--int8", action="store_true", help="add the opt-in int8 ONNX run")
    parser.add_argument(
        "--threads", type=int, default=0, help="torch, onnxruntime and OpenMP threads (default: the libraries' own)"
    )
    parser.add_argument("--no-ablation", action="store_true", help="skip the per-file and batch-size ablations")
    parser.add_argument("--keep", type=Path, help="keep the corpus and data folders here (default: temp dir)")
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest.json")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = os.getloadavg()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    t0 = time.perf_counter()
    info = build_corpus(corpus, args.pages, args.zh_share, args.seed)
    info["build_s"] = round(time.perf_counter() - t0, 1)
    print(
        f"corpus: {info['files']} PDFs, {info['pages']} pages, {info['bytes'] / 1e6:.1f} MB "
        f"({info['generated_zh_files']} of {info['generated_files']} generated files in Chinese; "
        f"built in {info['build_s']} s) in {corpus}",
        flush=True,
    )

    from langchain_huggingface import HuggingFaceEmbeddings

    minilm = str(bundled_minilm_path())
    loads: dict[str, float] = {}
    t0 = time.perf_counter()
    theirs_emb = HuggingFaceEmbeddings(model_name=minilm)
    loads["tutorial/minilm"] = time.perf_counter() - t0
    engines = {"onnx": "ours/minilm-onnx", "torch": "ours/minilm-torch"}
    if args.int8:
        engines["onnx-int8"] = "ours/minilm-onnx-int8"
    ours: dict[str, Any] = {}
    for engine, name in engines.items():
        t0 = time.perf_counter()  # includes the one-time ONNX export when this machine has none cached
        ours[name] = make_embedder(Settings.from_env({}, embedding_model="minilm", embedding_engine=engine))
        loads[name] = time.perf_counter() - t0
    torch_minilm = ours["ours/minilm-torch"]
    tokenizer = torch_minilm._tokenizer  # type: ignore[attr-defined]
    max_seq = int(theirs_emb._client.max_seq_length)
    warm = ["Warm-up sentence about publishing rules. " * 8] * 16
    theirs_emb.embed_documents(warm)
    for embedder in ours.values():
        embedder.embed_passages(warm)
    # The keyword index's jieba dictionary loads once per process (1-2 s), like a model:
    # before the clock, or the first of our runs would carry it alone.
    t0 = time.perf_counter()
    lexical.tokenize("发布前实行三审三校")
    keyword_dictionary_load_s = time.perf_counter() - t0

    runs: dict[str, Any] = {}
    print("running tutorial pipeline ...", flush=True)
    load_before = os.getloadavg()[0]
    runs["tutorial/minilm"] = run_tutorial(corpus, work, theirs_emb, tokenizer, max_seq)
    runs["tutorial/minilm"].update(load_avg_before=load_before, load_avg_after=os.getloadavg()[0])
    for i, (name, embedder) in enumerate(ours.items()):
        print(f"running {name} ...", flush=True)
        runs[name] = run_ours(corpus, work / f"ours-{i}", "minilm", embedder)
    if args.e5:
        t0 = time.perf_counter()
        e5 = make_embedder(Settings.from_env({}, embedding_model="e5-small"))
        loads["ours/e5-small"] = time.perf_counter() - t0
        e5.embed_passages(warm)
        print("running ours/e5-small ...", flush=True)
        runs["ours/e5-small"] = run_ours(corpus, work / "ours-e5", "e5-small", e5)
    for name, seconds in loads.items():
        runs[name]["model_load_s"] = seconds

    ablation: dict[str, Any] = {}
    onnx_minilm = ours["ours/minilm-onnx"]
    texts = runs["ours/minilm-onnx"]["_texts"]
    if not args.no_ablation:
        print("ablation: ours/minilm-onnx with every file embedded on its own ...", flush=True)
        per_file = run_ours(corpus, work / "ours-per-file", "minilm", onnx_minilm, group_chunks=1)
        ablation["per_file_groups"] = {
            "wall_s": per_file["wall_s"],
            "embed_s": per_file["phases_s"]["embed"],
            "embed_calls": per_file["embed_calls"],
            "grouped_wall_s": runs["ours/minilm-onnx"]["wall_s"],
            "grouped_embed_s": runs["ours/minilm-onnx"]["phases_s"]["embed"],
        }
        print("ablation: inner batch size on a slice of our chunk texts ...", flush=True)
        ablation["batch_size"] = batch_ablation(texts[::4], onnx_minilm, torch_minilm, [1, 2, 4, 8, 32])
    vectors = {name: run.pop("_vectors", {}) for name, run in runs.items()}
    for run in runs.values():
        run.pop("_texts", None)
    agree = {
        f"{name} vs ours/minilm-torch": agreement(vectors[name], vectors["ours/minilm-torch"])
        for name in runs
        if name.startswith("ours/minilm-onnx")
    }
    for run in runs.values():
        run["pages_per_s"] = run["pages"] / run["wall_s"]
        run["chunks_per_s"] = run["chunks"] / run["wall_s"]
        if "reingest_wall_s" in run:
            run["reingest_speedup"] = run["wall_s"] / run["reingest_wall_s"]
        through = run["tokens_per_chunk"]["through_model"]
        run["embed_ms_per_1k_tokens"] = 1e6 * run["phases_s"]["embed"] / through if through else 0.0
    base = runs["tutorial/minilm"]
    default = runs["ours/minilm-onnx"]
    goals = {
        "speedup_vs_tutorial_pages_per_s": {
            name: run["pages_per_s"] / base["pages_per_s"] for name, run in runs.items() if name != "tutorial/minilm"
        },
        "ours_2x_tutorial_met": default["pages_per_s"] >= 2 * base["pages_per_s"],
        "reingest_speedup_minilm": default["reingest_speedup"],
        "reingest_50x_met": default["reingest_speedup"] >= 50,
    }

    print()
    print(
        f"Corpus: {info['files']} PDFs, {info['pages']} pages; torch threads {torch.get_num_threads()}, "
        f"{os.cpu_count()} CPUs, load average at start {load_start[0]:.1f}, now {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| pipeline | wall s | pages/s | chunks | chunks/s | tokens through the model | speed-up | embed s "
        "| ms per 1k tokens | re-ingest s | load avg before/after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in runs.items():
        speed = goals["speedup_vs_tutorial_pages_per_s"].get(name)
        re_s = f"{r['reingest_wall_s']:.3f}" if "reingest_wall_s" in r else "-"
        print(
            f"| {name} | {r['wall_s']:.1f} | {r['pages_per_s']:.2f} | {r['chunks']} | {r['chunks_per_s']:.1f} "
            f"| {r['tokens_per_chunk']['through_model']:,} | {f'{speed:.2f}x' if speed else '-'} "
            f"| {r['phases_s']['embed']:.1f} | {r['embed_ms_per_1k_tokens']:.0f} | {re_s} "
            f"| {r['load_avg_before']:.1f}/{r['load_avg_after']:.1f} |"
        )
    print()
    print("| pipeline | language | chunks | tokens/chunk mean | tokens through the model | tokens cut by truncation |")
    print("|---|---|---:|---:|---:|---:|")
    for name, r in runs.items():
        for lang, t in r["tokens_by_language"].items():
            print(
                f"| {name} | {lang} | {t['chunks']} | {t.get('mean')} | {t.get('through_model', 0):,} "
                f"| {t.get('tokens_cut_by_truncation', 0):,} |"
            )
    print()
    print("Phases (seconds):")
    for name, r in runs.items():
        print(f"- {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in r["phases_s"].items()))
    print()
    for pair, a in agree.items():
        if a.get("chunks"):
            print(
                f"Vectors {pair}: {a['chunks']} chunks, cosine min {a['cos_min']:.6f}, "
                f"mean {a['cos_mean']:.6f}, 1st percentile {a['cos_p01']:.6f}"
            )
    if ablation:
        pf = ablation["per_file_groups"]
        print(
            f"Ablation, batching across files: ours/minilm-onnx embed {pf['grouped_embed_s']:.1f} s grouped, "
            f"{pf['embed_s']:.1f} s with every file on its own ({pf['embed_calls']} calls); wall "
            f"{pf['grouped_wall_s']:.1f} s against {pf['wall_s']:.1f} s"
        )
        bs = ablation["batch_size"]
        print(
            f"Ablation, inner batch size ({bs['texts']} texts, {bs['tokens']:,} tokens): torch batch 32 "
            f"{bs['torch_batch32_s']:.1f} s; onnx "
            + ", ".join(f"batch {k[10:-2]} {v:.1f} s" for k, v in bs.items() if k.startswith("onnx_batch"))
        )
    print()
    for name, speed in goals["speedup_vs_tutorial_pages_per_s"].items():
        print(f"{name} vs tutorial (same model): {speed:.2f}x pages/s")
    print(
        f"Goal >= 2x with the default engine: {'met' if goals['ours_2x_tutorial_met'] else 'NOT met'}; "
        f"re-ingest speed-up {goals['reingest_speedup_minilm']:.0f}x "
        f"(goal >= 50x: {'met' if goals['reingest_50x_met'] else 'NOT met'})"
    )

    payload = {
        "benchmark": "ingest_throughput",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "threads_arg": args.threads,
            "python": platform.python_version(),
            "load_avg_start": load_start,
            "load_avg_end": os.getloadavg(),
        },
        "args": {"pages": args.pages, "zh_share": args.zh_share, "seed": args.seed},
        "corpus": info,
        "runs": runs,
        "vector_agreement": agree,
        "goals": goals,
        "ablation": ablation,
        "keyword_dictionary_load_s": keyword_dictionary_load_s,
        "rss_mb_end": rss_mb(),
    }
    write_results(args.out, payload, started)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
