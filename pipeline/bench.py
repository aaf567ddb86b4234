"""Benchmarks: pipeline speed beside stock en_core_web_sm, and a large generated dump.

``speed`` times the whole ``extract`` (read, clean, nlp, records, write) on a folder of
genre articles and stock ``en_core_web_sm`` ``nlp.pipe`` on the same cleaned texts; model
loading is outside both clocks. ``large`` writes tens of thousands of generated articles
to a JSONL file and runs ``python -m pipeline extract`` on it with each worker count,
sampling the memory of the whole process tree from /proc.

The articles are synthetic: templates of the genre (delegation visits, agreements,
sister-city ties) filled with invented people, real city names and random dates, drawn
from a seeded generator so every run benchmarks the same text. They exist to load the
pipeline, not to measure its accuracy.
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Real articles mixed into the speed set when the checkout has them.
SEEDS_DIR = REPO_ROOT / "seeds" / "articles"
#: Memory ceiling of the large-dump run (whole process tree), from the pipeline issue.
MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024
#: Ours / stock words per second must stay at or above this.
SPEED_RATIO_FLOOR = 0.8
#: Seconds between two memory samples of the process tree.
SAMPLE_INTERVAL = 0.2

# --- synthetic articles --------------------------------------------------------------------
# Fillers for the templates below. They are benchmark data (what the generated text says),
# not extraction rules, so they live with the generator rather than in patterns/.

RU_CITIES = ("Krasnoyarsk", "Novosibirsk", "Irkutsk", "Khabarovsk", "Vladivostok", "Kazan", "Yekaterinburg",
             "Omsk", "Tomsk", "Chita", "Blagoveshchensk", "Barnaul", "Samara", "Perm", "Ufa", "Tyumen",
             "Kemerovo", "Yakutsk", "Nizhny Novgorod", "Saint Petersburg")
CN_CITIES = ("Changchun", "Harbin", "Shenyang", "Dalian", "Qingdao", "Suzhou", "Hangzhou", "Wuhan", "Chengdu",
             "Urumqi", "Heihe", "Suifenhe", "Manzhouli", "Jilin", "Daqing", "Qiqihar", "Mudanjiang", "Nanjing",
             "Tianjin", "Hohhot")
RU_GIVEN_MALE = ("Ivan", "Sergei", "Alexei", "Dmitry", "Nikolai", "Andrei", "Pavel", "Mikhail", "Yuri", "Oleg",
                 "Viktor", "Roman", "Artem", "Boris", "Konstantin")
RU_GIVEN_FEMALE = ("Marina", "Olga", "Elena", "Tatiana", "Irina", "Natalia", "Svetlana", "Anna", "Yulia",
                   "Ekaterina", "Galina", "Vera", "Larisa", "Polina", "Ksenia")
RU_SURNAME_STEMS = ("Petr", "Smirn", "Kuznets", "Sokol", "Lebed", "Kozl", "Novik", "Moroz", "Volk", "Orl",
                    "Bel", "Zaits", "Pavl", "Semen", "Golub", "Vinograd", "Bogdan", "Gorin", "Lavr", "Melnik",
                    "Rudn", "Savel", "Tolst", "Zarub", "Krylov", "Dorokh", "Fedot", "Grachev", "Yermak", "Shirok")
RU_SURNAME_ENDINGS = ("ov", "in", "ev", "enkov", "itsyn")
CN_FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
             "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo")
CN_SYLLABLES = ("hai", "ying", "wei", "ming", "jian", "hua", "lei", "xin", "yu", "feng", "jun", "qiang", "tao",
                "yan", "bo", "dong", "hong", "jie", "ping", "lan", "mei", "zhi", "guang", "rong")
RU_TITLES = ("Director", "Deputy Director", "Head", "Deputy Head", "Rector", "Vice-Rector", "Mayor",
             "Deputy Mayor", "Chairman", "Principal")
CN_TITLES = ("Director", "Deputy Director", "Vice Mayor", "Mayor", "President", "Vice President",
             "Party Secretary", "Principal", "Dean", "Secretary-General")
RU_ORGS = ("Education Department of {city} City Government", "{city} State University",
           "{city} State Pedagogical University", "{city} Chamber of Commerce and Industry",
           "Administration of {city}", "{city} School No. {n}", "{city} Medical University",
           "Department of International Relations of {city}")
CN_ORGS = ("{city} Municipal Foreign Affairs Office", "{city} Education Bureau", "{city} Normal University",
           "{city} University of Technology", "{city} Foreign Language School", "{city} No. {n} Middle School",
           "{city} Vocational and Technical College", "{city} Municipal People's Government",
           "{city} Medical University")
FIELDS = ("education", "culture", "tourism", "trade", "science and technology", "sports", "healthcare",
          "youth exchanges", "agriculture", "logistics", "vocational training", "language teaching")
AGREEMENTS = ("cooperation agreement", "memorandum of understanding", "protocol of intentions",
              "agreement on friendly exchanges", "action plan")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NUMBER_WORDS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen")

HEADLINES = (
    "{ru_city} Delegation Visits {cn_city} to Deepen {Field} Cooperation",
    "{cn_city} and {ru_city} Sign {Agreement} on {Field}",
    "{cn_org} Welcomes Guests from {ru_org}",
    "Sister Cities {cn_city} and {ru_city} Open a New Chapter in {Field}",
)
OPENINGS = (
    "From {month} {day} to {day2}, {ru_person}, {ru_title} of {ru_org}, led a {size}-member delegation "
    "on a visit to {cn_city}.",
    "On {month} {day}, {year}, a {size}-member delegation headed by {ru_title} {ru_person} of {ru_org} "
    "arrived in {cn_city} for a {days}-day working visit.",
    "A delegation from {ru_city} led by {ru_person}, {ru_title} of {ru_org}, visited {cn_city} "
    "on {month} {day}.",
)
BODY = (
    "{cn_person}, {cn_title} of {cn_org}, met with the delegation and briefed the guests on the city's "
    "achievements in {field}.",
    "The two sides signed {a_agreement} on cooperation in {field} and {field2}.",
    "{cn_city} and {ru_city} established sister city relations in {since}, and exchanges in {field} have "
    "grown steadily since then.",
    "The delegation also visited {cn_org2} and {cn_school}, where they observed classes and talked with "
    "teachers and students.",
    "During the talks, both sides agreed to expand exchanges in {field} and to hold a joint forum in "
    "{ru_city} next {month2}.",
    "{ru_person_short} said that {ru_org} values its partnership with {cn_org} and hopes to send more "
    "students to {cn_city}.",
    "{cn_title} {cn_person} noted that {field} cooperation between Chinese and Russian cities has become "
    "an important part of bilateral relations.",
    "More than {count} students from {ru_city} have studied in {cn_city} since {since}.",
)
CLOSINGS = (
    "Both sides expressed the hope of turning the results of the visit into concrete projects.",
    "The visit marked another important step in the friendship between the two cities.",
    "The delegation left {cn_city} on {month} {day2}.",
)
#: Page furniture around some articles, so the cleaning step has work to do.
FURNITURE_TOP = ("Home > News > International Exchanges", "Font size: A A A")
FURNITURE_BOTTOM = ("Share this article", "Copyright © {year} {cn_city} Municipal People's Government. "
                    "All rights reserved.", "Editor: {cn_person}")


def _ru_person(rng: random.Random) -> str:
    female = rng.random() < 0.5
    given = rng.choice(RU_GIVEN_FEMALE if female else RU_GIVEN_MALE)
    surname = rng.choice(RU_SURNAME_STEMS) + rng.choice(RU_SURNAME_ENDINGS)
    return f"{given} {surname}{'a' if female else ''}"


def _cn_person(rng: random.Random) -> str:
    given = rng.choice(CN_SYLLABLES) + rng.choice(CN_SYLLABLES)
    return f"{rng.choice(CN_FAMILY)} {given.capitalize()}"


def _slots(rng: random.Random) -> dict[str, Any]:
    """Random fillers for one article."""
    ru_city, cn_city = rng.choice(RU_CITIES), rng.choice(CN_CITIES)
    year = rng.randint(2012, 2025)
    day = rng.randint(1, 24)
    field_name, field2 = rng.sample(FIELDS, 2)
    agreement = rng.choice(AGREEMENTS)
    ru_person = _ru_person(rng)
    slots: dict[str, Any] = {
        "ru_city": ru_city, "cn_city": cn_city, "year": year, "day": day, "day2": day + rng.randint(1, 4),
        "days": rng.randint(2, 6), "month": rng.choice(MONTHS), "month2": rng.choice(MONTHS),
        "since": rng.randint(1990, year), "size": rng.choice(NUMBER_WORDS), "count": rng.randint(2, 40) * 10,
        "field": field_name, "field2": field2, "Field": field_name.title(), "agreement": agreement,
        "Agreement": agreement.title(),
        "a_agreement": f"{'an' if agreement[0] in 'aeiou' else 'a'} {agreement}", "ru_person": ru_person, "ru_person_short": ru_person.split()[-1],
        "cn_person": _cn_person(rng), "ru_title": rng.choice(RU_TITLES), "cn_title": rng.choice(CN_TITLES),
        "ru_org": rng.choice(RU_ORGS).format(city=ru_city, n=rng.randint(1, 60)),
    }
    cn_org, cn_org2 = rng.sample(CN_ORGS, 2)
    slots["cn_org"] = cn_org.format(city=cn_city, n=rng.randint(1, 60))
    slots["cn_org2"] = cn_org2.format(city=cn_city, n=rng.randint(1, 60))
    slots["cn_school"] = f"{cn_city} No. {rng.randint(1, 60)} High School"
    return slots


def generate_article(rng: random.Random, *, small: bool = False) -> dict[str, str]:
    """One synthetic article: {'title', 'published', 'text'} (text has the headline and dateline).

    A full article (about 150 words) has page furniture around it for the cleaning step; a
    small one (about 60 words) is a headline, a dateline and two sentences.
    """
    slots = _slots(rng)
    published = f"{slots['year']}-{MONTHS.index(slots['month']) + 1:02d}-{min(slots['day2'] + 1, 28):02d}"
    title = rng.choice(HEADLINES).format(**slots)
    dateline = f"Updated : {published}  Source : {slots['cn_city']} Municipal Foreign Affairs Office"
    if small:
        sentences = [rng.choice(OPENINGS), rng.choice(BODY)]
        return {"title": title, "published": published,
                "text": "\n".join([title, dateline, " ".join(s.format(**slots) for s in sentences)])}
    body = [rng.choice(OPENINGS), *rng.sample(BODY, rng.randint(3, 5)), rng.choice(CLOSINGS)]
    paragraphs = [" ".join(sentence.format(**slots) for sentence in body[:3]),
                  " ".join(sentence.format(**slots) for sentence in body[3:])]
    lines = [rng.choice(FURNITURE_TOP), title, dateline, *paragraphs,
             *(line.format(**slots) for line in FURNITURE_BOTTOM)]
    return {"title": title, "published": published, "text": "\n".join(lines)}


def generate_articles(count: int, seed: int = 0, *, small: bool = False) -> Iterator[dict[str, str]]:
    """``count`` distinct synthetic articles, the same ones for the same seed."""
    rng = random.Random(seed)
    seen: set[bytes] = set()
    while len(seen) < count:
        article = generate_article(rng, small=small)
        key = hashlib.sha1(" ".join(article["text"].split()).casefold().encode()).digest()
        if key in seen:  # the random slots make this rare; dedup would drop it
            continue
        seen.add(key)
        yield article


def write_jsonl(path: Path, count: int, seed: int = 0, *, small: bool = True) -> int:
    """Write ``count`` articles as JSONL records (id, title, published, text); return bytes written."""
    with path.open("w", encoding="utf8") as out:
        for number, article in enumerate(generate_articles(count, seed, small=small), start=1):
            out.write(json.dumps({"id": number, **article}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def write_text_files(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` full articles as .txt files (the text only, as a scraped page would be)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, article in enumerate(generate_articles(count, seed)):
        path = folder / f"article_{number:06d}.txt"
        path.write_text(article["text"], encoding="utf8")
        paths.append(path)
    return paths


# --- (a) speed beside stock en_core_web_sm -----------------------------------------------


@dataclass
class SpeedResult:
    """Best wall and CPU seconds of each side over the same cleaned articles."""

    articles: int
    words: int
    ours_seconds: float
    stock_seconds: float
    batch_size: int
    repeat: int
    ours_cpu_seconds: float = 0.0
    stock_cpu_seconds: float = 0.0

    @property
    def ours_words_per_s(self) -> float:
        return self.words / max(self.ours_seconds, 1e-9)

    @property
    def stock_words_per_s(self) -> float:
        return self.words / max(self.stock_seconds, 1e-9)

    @property
    def ratio(self) -> float:
        """Ours / stock throughput (>= SPEED_RATIO_FLOOR is the target)."""
        return self.stock_seconds / max(self.ours_seconds, 1e-9)

    @property
    def cpu_ratio(self) -> float:
        """The same ratio on CPU time: steadier than wall time when other processes share the cores."""
        return self.stock_cpu_seconds / max(self.ours_cpu_seconds, 1e-9)


def measure_speed(count: int = 300, *, model: str | None = None, repeat: int = 2,
                  include_seeds: bool = True) -> SpeedResult:
    """Time ``extract`` and stock ``nlp.pipe`` on the same articles; best of ``repeat`` each.

    Both pipelines are loaded and warmed up (lazy data: language models, the gazetteer)
    before the clocks start; the runs alternate so that load from other processes falls
    on both alike.
    """
    from pipeline.ingest import Article, iter_inputs
    from pipeline.nlp import load_nlp, load_stock
    from pipeline.run import PIPE_BATCH_SIZE, extract, process_batch

    with tempfile.TemporaryDirectory(prefix="cnru-bench-") as temp:
        in_dir = Path(temp) / "articles"
        write_text_files(in_dir, count)
        if include_seeds and SEEDS_DIR.is_dir():
            for seed_file in sorted(SEEDS_DIR.glob("*.txt")):
                (in_dir / seed_file.name).write_bytes(seed_file.read_bytes())
        articles = [item for item in iter_inputs(in_dir) if isinstance(item, Article)]
        texts = [article.text for article in articles]
        ours, stock = load_nlp(model), load_stock()
        process_batch(ours, articles[:16])
        for _ in stock.pipe(texts[:16], batch_size=PIPE_BATCH_SIZE):
            pass
        ours_times: list[tuple[float, float]] = []
        stock_times: list[tuple[float, float]] = []
        for attempt in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            extract(in_dir, Path(temp) / f"out-{attempt}", nlp=ours, progress=False)
            ours_times.append((time.perf_counter() - started, time.process_time() - cpu))
            started, cpu = time.perf_counter(), time.process_time()
            for _ in stock.pipe(texts, batch_size=PIPE_BATCH_SIZE):
                pass
            stock_times.append((time.perf_counter() - started, time.process_time() - cpu))
    return SpeedResult(articles=len(texts), words=sum(len(text.split()) for text in texts),
                       ours_seconds=min(wall for wall, _ in ours_times),
                       stock_seconds=min(wall for wall, _ in stock_times),
                       ours_cpu_seconds=min(cpu for _, cpu in ours_times),
                       stock_cpu_seconds=min(cpu for _, cpu in stock_times),
                       batch_size=PIPE_BATCH_SIZE, repeat=repeat)


def format_speed(result: SpeedResult) -> str:
    def verdict(ratio: float) -> str:
        return "ok" if ratio >= SPEED_RATIO_FLOOR else "BELOW FLOOR"

    return "\n".join([
        f"Speed: {result.articles} articles, {result.words:,} words (cleaned), nlp.pipe batch_size "
        f"{result.batch_size}, best of {result.repeat}, model load excluded",
        f"  {'':<32}{'wall s':>8}{'words/s':>10}{'articles/s':>12}{'CPU s':>8}",
        f"  {'cnru extract (read..write)':<32}{result.ours_seconds:>8.2f}{result.ours_words_per_s:>10,.0f}"
        f"{result.articles / max(result.ours_seconds, 1e-9):>12.1f}{result.ours_cpu_seconds:>8.2f}",
        f"  {'stock en_core_web_sm nlp.pipe':<32}{result.stock_seconds:>8.2f}{result.stock_words_per_s:>10,.0f}"
        f"{result.articles / max(result.stock_seconds, 1e-9):>12.1f}{result.stock_cpu_seconds:>8.2f}",
        f"  ratio ours/stock = {result.ratio:.2f} wall, {result.cpu_ratio:.2f} CPU "
        f"(floor {SPEED_RATIO_FLOOR}: {verdict(result.ratio)} wall, {verdict(result.cpu_ratio)} CPU)",
    ])


# --- (b) a large dump ------------------------------------------------------------------------


@dataclass
class LargeRun:
    workers: int
    articles: int
    exit_code: int
    wall_seconds: float
    processing_seconds: float
    peak_rss_tree: int
    peak_pss_tree: int
    max_process_rss: int

    @property
    def articles_per_s(self) -> float:
        return self.articles / max(self.processing_seconds, 1e-9)

    @property
    def peak_memory(self) -> int:
        """The figure held against the limit: PSS where /proc has it (shared pages counted
        once), else the RSS sum."""
        return self.peak_pss_tree or self.peak_rss_tree or self.max_process_rss


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc; empty where there is no /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name in (...) may hold spaces
        parents.setdefault(ppid, []).append(int(entry.name))
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        frontier.extend(parents.get(current, []))
    return found


def _memory_kib(pid: int, path: str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/{path}", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeMemorySampler(threading.Thread):
    """Samples the memory of a process and its descendants until stopped.

    Keeps the peak of the summed RSS and PSS (sampled, so a spike shorter than the
    interval can be missed) and the largest single-process high-water mark (VmHWM, kept
    by the kernel, so never missed).
    """

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_process = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        pids = _children(self.pid)
        rss = sum(_memory_kib(pid, "status", "VmRSS:") for pid in pids) * 1024
        pss = sum(_memory_kib(pid, "smaps_rollup", "Pss:") for pid in pids) * 1024
        highest = max((_memory_kib(pid, "status", "VmHWM:") for pid in pids), default=0) * 1024
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.peak_process = max(self.peak_process, highest)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_extract_process(in_path: Path, out_dir: Path, workers: int, *, model: str | None = None,
                        chunk_size: int | None = None) -> LargeRun:
    """Run ``python -m pipeline extract`` in a child process and measure it."""
    command = [sys.executable, "-m", "pipeline", "extract", str(in_path), str(out_dir), "--workers",
               str(workers), "--quiet"]
    if model is not None:
        command += ["--model", model]
    if chunk_size is not None:
        command += ["--chunk-size", str(chunk_size)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeMemorySampler(process.pid)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    # Without /proc, the largest child reaped so far (ru_maxrss, KiB on Linux) is all there is.
    largest = sampler.peak_process or resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf8"))
        articles = int(manifest["articles_extracted"])
        processing = float(manifest["seconds"]) - float(manifest.get("model_seconds", 0.0))
    except (OSError, ValueError, KeyError):
        manifest, articles, processing = None, 0, wall
    if process.returncode not in (0, 3) or manifest is None:
        raise RuntimeError(f"extract --workers {workers} failed ({process.returncode}): "
                           f"{errors.decode(errors='replace')[-2000:]}")
    return LargeRun(workers=workers, articles=articles, exit_code=process.returncode, wall_seconds=wall,
                    processing_seconds=processing, peak_rss_tree=sampler.peak_rss,
                    peak_pss_tree=sampler.peak_pss, max_process_rss=largest)


def measure_large(count: int = 50_000, worker_counts: Sequence[int] = (1, 2), *, model: str | None = None,
                  echo: Callable[[str], None] = print) -> list[LargeRun]:
    """Generate ``count`` small articles into one JSONL file and extract it once per worker count."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="cnru-bench-large-") as temp:
        dump = Path(temp) / "dump.jsonl"
        started = time.perf_counter()
        size = write_jsonl(dump, count)
        echo(f"Large dump: {count:,} generated articles, {size / 1e6:.1f} MB JSONL "
             f"(written in {time.perf_counter() - started:.1f}s)")
        for workers in worker_counts:
            run = run_extract_process(dump, Path(temp) / f"out-{workers}", workers, model=model)
            echo(f"  --workers {workers}: {run.articles:,} articles in {run.wall_seconds:.0f}s")
            runs.append(run)
    return runs


def format_large(runs: Sequence[LargeRun]) -> str:
    limit_mb = MEMORY_LIMIT_BYTES / 2**20
    lines = [
        f"{'workers':>7}{'articles':>10}{'wall s':>9}{'run s':>9}{'articles/s':>12}"
        f"{'peak PSS MB':>13}{'peak RSS MB':>13}{'max proc MB':>13}  memory",
    ]
    for run in runs:
        verdict = "ok" if run.peak_memory < MEMORY_LIMIT_BYTES else "OVER"
        lines.append(
            f"{run.workers:>7}{run.articles:>10,}{run.wall_seconds:>9.0f}{run.processing_seconds:>9.0f}"
            f"{run.articles_per_s:>12.1f}{run.peak_pss_tree / 2**20:>13.0f}{run.peak_rss_tree / 2**20:>13.0f}"
            f"{run.max_process_rss / 2**20:>13.0f}  {verdict} (< {limit_mb:.0f} MB)"
        )
    lines.append("run s = wall time without starting Python and loading the model; PSS/RSS summed over the "
                 "process tree (RSS counts shared pages once per process); max proc = peak RSS (VmHWM) of "
                 "the largest single process.")
    return "\n".join(lines)
