// xbarsim sweep: run a design-space sweep, one process per point (SystemC elaborates once per
// process), locally in parallel (-j), over MPI ranks (--mpi) or as one shard of a batch job
// (--shard K/N, then `xbarsim sweep collect`). Finished points are skipped on a re-run.
#include <fcntl.h>
#include <mpi.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "config/files.hpp"
#include "flow/html_report.hpp"
#include "flow/sweep.hpp"
#include "tools/commands.hpp"

namespace fs = std::filesystem;

namespace xbar::tools {

namespace {

struct SweepArgs {
  std::string file;
  std::string out;
  int jobs = 1;
  bool mpi = false;
  std::string shard;
  bool retry_failed = false;
};

std::string default_out(const flow::Sweep& s) {
  return (fs::path("runs") / "sweeps" / s.name).string();
}

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

// A row appended with a single write() on an O_APPEND descriptor: whole lines even when several
// processes (MPI ranks) append to the same file.
void append_row(const std::string& out_dir, const nlohmann::json& row) {
  std::string line = row.dump() + "\n";
  int fd = ::open((fs::path(out_dir) / "live.jsonl").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  ssize_t written = ::write(fd, line.data(), line.size());
  (void)written;
  ::close(fd);
}

// Why a point failed: the error it printed ("xbarsim: error: ..."), else the first located
// problem ("file:line:column: key: message"), else the first line it printed.
std::string failure_reason(const fs::path& p) {
  std::ifstream in(p);
  std::string first, problem, error;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (first.empty()) first = line;
    if (line.rfind("xbarsim: error: ", 0) == 0) error = line.substr(16);
    if (problem.empty() && line.find(": ") != std::string::npos &&
        line.find(".yaml:") != std::string::npos)
      problem = line;
  }
  return !error.empty() ? error : !problem.empty() ? problem : first;
}

class Progress {
 public:
  Progress(int total)
      : total_(total), start_(std::chrono::steady_clock::now()), tty_(isatty(STDERR_FILENO)) {}
  void update(int done, int failed) {
    if (!tty_) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = s > 0 ? done / s : 0;
    int width = 30, filled = total_ ? width * done / total_ : width;
    std::fprintf(stderr, "\r[%s%s] %d/%d points, %d failed, %.2f points/s, %.0f s left ",
                 std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(), done,
                 total_, failed, rate, rate > 0 ? (total_ - done) / rate : 0.0);
    if (done == total_) std::fprintf(stderr, "\n");
  }

 private:
  int total_;
  std::chrono::steady_clock::time_point start_;
  bool tty_;
};

// Runs the points assigned to this process, at most `jobs` at a time. Returns the failures.
int run_points(const flow::Sweep& sweep, const std::vector<const flow::SweepPoint*>& todo,
               const std::string& out, int jobs) {
  const std::string exe = self_exe();
  std::map<pid_t, const flow::SweepPoint*> running;
  size_t next = 0;
  int done = 0, failed = 0;
  Progress progress(static_cast<int>(todo.size()));
  progress.update(0, 0);
  auto finish = [&](const flow::SweepPoint* p, int status) {
    const fs::path dir = flow::point_dir(out, *p);
    nlohmann::json st;
    std::error_code ec;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
        (fs::rename(dir / "result.json.tmp", dir / "result.json", ec), !ec)) {
      st = {{"status", "done"}};
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      st = {{"status", "failed"},
            {"error", "the point exited 0 without writing its result (" + ec.message() + ")"}};
      ++failed;
    } else {
      std::string why = failure_reason(dir / "log.txt");
      if (why.empty())
        why =
            WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status)) : "failed";
      st = {{"status", "failed"}, {"error", why}};
      ++failed;
    }
    config::write_file_atomically(dir / "status.json", st.dump() + "\n");
    append_row(out, flow::point_row(sweep, *p, out));
    progress.update(++done, failed);
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const flow::SweepPoint* p = todo[next++];
      const fs::path dir = flow::point_dir(out, *p);
      fs::create_directories(dir);
      config::write_file_atomically(dir / "config.yaml", config::to_yaml(p->resolved));
      config::write_file_atomically(
          dir / "point.json",
          nlohmann::json{{"index", p->index}, {"axes", p->axes()}, {"xbarsim", XBARSIM_VERSION}}
                  .dump(2) +
              "\n");
      fs::remove(dir / "status.json");
      std::fflush(nullptr);
      pid_t pid = fork();
      if (pid == 0) {
        int o = ::open((dir / "result.json.tmp").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = ::open((dir / "log.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, STDOUT_FILENO);
        dup2(e, STDERR_FILENO);
        std::string config = (dir / "config.yaml").string();
        if (sweep.command == "run") {  // each point's run outputs stay in its own directory
          std::string run_out = (dir / "run").string();
          execl(exe.c_str(), exe.c_str(), "run", config.c_str(), "--json", "--out", run_out.c_str(),
                static_cast<char*>(nullptr));
        }
        execl(exe.c_str(), exe.c_str(), sweep.command.c_str(), config.c_str(), "--json",
              static_cast<char*>(nullptr));
        _exit(127);
      }
      if (pid < 0)
        throw std::runtime_error("cannot start a process for point " + std::to_string(p->index));
      running[pid] = p;
    }
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    finish(it->second, status);
    running.erase(it);
  }
  return failed;
}

int sweep_main(const SweepArgs& args) {
  int rank = 0, ranks = 1;
  if (args.mpi) {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  }
  int shard = 0, shards = 1;
  if (!args.shard.empty()) {
    if (std::sscanf(args.shard.c_str(), "%d/%d", &shard, &shards) != 2 || shards < 1 || shard < 1 ||
        shard > shards) {
      throw std::invalid_argument("--shard takes K/N with 1 <= K <= N, got '" + args.shard + "'");
    }
    --shard;
  }
  int status = guarded([&] {
    flow::Sweep sweep = flow::load_sweep(args.file);  // every point validated before anything runs
    const std::string out = args.out.empty() ? default_out(sweep) : args.out;
    fs::create_directories(out);
    std::vector<const flow::SweepPoint*> todo;
    int skipped = 0;
    for (const auto& p : sweep.points) {
      const int part = args.mpi ? rank : shard, parts = args.mpi ? ranks : shards;
      if (p.index % parts != part) continue;
      if (flow::point_finished(out, p, args.retry_failed)) {
        ++skipped;
        continue;
      }
      todo.push_back(&p);
    }
    if (rank == 0) {
      std::cerr << "sweep '" << sweep.name << "': " << sweep.points.size() << " points ("
                << sweep.dropped_by_constraints << " dropped by constraints), " << todo.size()
                << " to run here, " << skipped << " already finished; out: " << out << "\n";
    }
    int failed = run_points(sweep, todo, out, std::max(1, args.jobs));
    if (args.mpi) MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0 && args.shard.empty()) {
      int rows = flow::write_tables(sweep, out);
      std::cerr << "sweep: " << rows << " rows in " << out << "/results.csv and results.jsonl\n";
    }
    return failed > 0 ? 3 : 0;
  });
  if (args.mpi) MPI_Finalize();
  return status;
}

}  // namespace

static void add_sweep_commands(CLI::App& app, int& status) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sweep = app.add_subcommand("sweep", "run a design-space sweep (see configs/sweeps/)");
  sweep->add_option("sweep", args->file, "sweep YAML")->required();
  sweep->add_option("--out", args->out, "output directory (default runs/sweeps/NAME)");
  sweep->add_option("-j,--jobs", args->jobs, "points run in parallel on this machine")
      ->check(CLI::PositiveNumber);
  sweep->add_flag("--mpi", args->mpi,
                  "spread points over MPI ranks (mpirun -np N xbarsim sweep --mpi ...)");
  sweep->add_option("--shard", args->shard,
                    "run only shard K of N (job arrays); then `xbarsim sweep-collect`");
  sweep->add_flag("--retry-failed", args->retry_failed, "run again the points that failed before");
  sweep->callback([&status, args] { status = sweep_main(*args); });

  auto collect_args = std::make_shared<SweepArgs>();
  CLI::App* collect = app.add_subcommand(
      "sweep-collect", "rebuild a sweep's results table from its point directories");
  collect->add_option("sweep", collect_args->file, "sweep YAML")->required();
  collect->add_option("--out", collect_args->out, "output directory (default runs/sweeps/NAME)");
  collect->callback([&status, collect_args] {
    status = guarded([&] {
      flow::Sweep sweep = flow::load_sweep(collect_args->file);
      const std::string out = collect_args->out.empty() ? default_out(sweep) : collect_args->out;
      int rows = flow::write_tables(sweep, out);
      std::cout << rows << " rows written to " << out << "/results.csv and results.jsonl\n";
      return 0;
    });
  });

  auto report_args = std::make_shared<SweepArgs>();
  CLI::App* report =
      app.add_subcommand("sweep-report",
                         "index.html (Pareto front, breakdown, sortable table of the points, each "
                         "linked to its report.html) and the PNG/SVG plots of tools/plot_sweep.py");
  report->add_option("sweep", report_args->file, "sweep YAML")->required();
  report->add_option("--out", report_args->out, "output directory (default runs/sweeps/NAME)");
  report->callback([&status, report_args] {
    status = guarded([&] {
      flow::Sweep sweep = flow::load_sweep(report_args->file);
      const std::string out = report_args->out.empty() ? default_out(sweep) : report_args->out;
      if (!fs::exists(fs::path(out) / "results.jsonl"))
        config::fail({(fs::path(out) / "results.jsonl").string()}, "",
                     "not found; run the sweep (or `xbarsim sweep-collect`) first");
      std::cout << flow::write_sweep_index_html(sweep, out) << "\n";
      std::cout.flush();
      fs::path script =
          fs::path(self_exe()).parent_path() / ".." / ".." / "tools" / "plot_sweep.py";
      if (!fs::exists(script)) script = fs::path(XBARSIM_SOURCE_DIR) / "tools" / "plot_sweep.py";
      std::string cmd =
          "/usr/bin/python3 '" + script.lexically_normal().string() + "' '" + out + "'";
      int rc = std::system(cmd.c_str());
      return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
    });
  });
}

XBAR_REGISTER_COMMANDS(60, add_sweep_commands);

}  // namespace xbar::tools
