/// bench_interviews: the interviews listing (query::service::interviews) over many stored
/// sessions. Writes `--sessions` sessions straight to a store (meta with a summary, one
/// session_created each), then times the first page, a search that matches few rows and a page
/// deep in the cursor. Prints one JSON line per case (median and max of `--repeat` runs, ms).

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "eventlog/store.hpp"
#include "query/service.hpp"

namespace {

using namespace rooms;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t t0 = 1'700'000'000'000;
/// Every rare_every-th session has the candidate the search looks for.
constexpr std::size_t rare_every = 10'000;

eventlog::session_meta make_meta(std::size_t i) {
  static const char* languages[] = {"python", "cpp", "java", "javascript", "go"};
  eventlog::session_meta m;
  m.id = eventlog::session_id::random();
  m.created_at = t0 + static_cast<std::int64_t>(i) * 1000;
  m.last_activity_at = m.created_at + 3'600'000;
  m.language = languages[i % 5];
  m.title = "Backend interview " + std::to_string(i);
  m.key_hash = eventlog::sha256_hex("key" + std::to_string(i));
  auto& s = m.summary;
  s.phase = i % 3 == 0 ? "live" : "ended";
  s.language = m.language;
  s.question_title = "Question " + std::to_string(i % 200);
  s.candidates = {i % rare_every == 7 ? "Rarely Searched" : "Candidate " + std::to_string(i)};
  s.interviewers = {"Interviewer " + std::to_string(i % 40), "Shadow " + std::to_string(i % 7)};
  s.started_at = m.created_at + 60'000;
  s.ended_at = s.phase == "ended" ? m.last_activity_at : 0;
  return m;
}

void fill(eventlog::store& store, std::size_t sessions) {
  // Several writers so the store's group commit batches the creates (as many rooms would).
  const std::size_t writers = 8;
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < sessions; i += writers) {
        auto m = make_meta(i);
        eventlog::event e;
        e.seq = 1;
        e.ts = m.created_at;
        e.type = eventlog::event_type::session_created;
        e.payload = {{"language", m.language}, {"title", m.title}};
        auto s = store.create_session(m, e);
        if (!s.ok()) {
          std::cerr << "create: " << s.to_string() << '\n';
          std::exit(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

struct timing {
  double median_ms = 0, max_ms = 0;
  std::size_t rows = 0;
};

timing time_page(const query::service& q, const query::interview_query& iq, int repeat) {
  std::vector<double> ms;
  timing out;
  for (int r = 0; r < repeat; ++r) {
    auto start = clock_type::now();
    auto page = q.interviews(iq);
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    if (!page.ok()) {
      std::cerr << "interviews: " << page.error().to_string() << '\n';
      std::exit(1);
    }
    out.rows = (*page)["interviews"].size();
  }
  std::sort(ms.begin(), ms.end());
  out.median_ms = ms[ms.size() / 2];
  out.max_ms = ms.back();
  return out;
}

void print(const std::string& name, const timing& t, std::size_t sessions, double target_ms) {
  std::cout << json{{"case", name},
                    {"sessions", sessions},
                    {"rows", t.rows},
                    {"medianMs", t.median_ms},
                    {"maxMs", t.max_ms},
                    {"targetMs", target_ms},
                    {"met", t.median_ms < target_ms}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_interviews: the interviews listing over many stored sessions"};
  std::string dir = "/tmp/bench_interviews";
  std::size_t sessions = 100'000;
  int repeat = 5;
  std::size_t deep_rows = 50'000;
  app.add_option("--dir", dir, "scratch data dir (wiped)")->capture_default_str();
  app.add_option("--sessions", sessions, "sessions to store")->capture_default_str();
  app.add_option("--repeat", repeat, "runs per case")->capture_default_str();
  app.add_option("--deep", deep_rows, "rows before the deep page")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  eventlog::store_options o;
  o.path = dir;
  o.retention = std::chrono::hours(24 * 365 * 100);  // the sessions are dated 2023
  auto opened = eventlog::store::open(o);
  if (!opened.ok()) {
    std::cerr << opened.error().to_string() << '\n';
    return 1;
  }
  auto& store = **opened;
  auto start = clock_type::now();
  fill(store, sessions);
  std::cerr << "stored " << sessions << " sessions in "
            << std::chrono::duration<double>(clock_type::now() - start).count() << " s\n";
  (void)store.compact();  // as a long-running store would be: SSTs, not one memtable
  query::service q(store);

  const double target = 100;
  print("first_page", time_page(q, {"", std::nullopt, 50, ""}, repeat), sessions, target);
  print("search_few_rows", time_page(q, {"rarely", std::nullopt, 50, ""}, repeat), sessions,
        target);
  print("search_by_account_none", time_page(q, {"", std::string("acct-nobody"), 50, ""}, repeat),
        sessions, target);

  // The cursor after `deep_rows` rows, reached by paging as a client would.
  std::string cursor;
  for (std::size_t seen = 0; seen < deep_rows && seen < sessions;) {
    auto page = q.interviews({"", std::nullopt, query::max_interview_page, cursor});
    if (!page.ok() || !(*page)["next"].is_string()) break;
    seen += (*page)["interviews"].size();
    cursor = (*page)["next"];
  }
  print("deep_page", time_page(q, {"", std::nullopt, 50, cursor}, repeat), sessions, target);
  return 0;
}
