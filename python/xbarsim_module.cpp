// _xbarsim: the C++ half of the Python module `xbarsim` (python/xbarsim/__init__.py is the other).
// Each function does what its xbarsim command does, through the same library calls, and answers
// with JSON text: {"ok": true, "result": ...}, or {"ok": false, "kind": "config", "problems":
// ["file:line:col: key.path: message", ...]} for bad input, or {"ok": false, "kind": "error",
// "message": ...}; the Python side turns them into dicts and exceptions. Nothing throws into the
// interpreter. The GIL is released while C++ runs.
//
// `run` simulates in a child process (fork): SystemC elaborates once per process, so each
// simulation gets a fresh one and a notebook can run as many as it likes. The child writes the
// report files as `xbarsim run` does, streams its log (progress lines included) through a pipe
// and sends its answer through another; the parent never elaborates anything.
#include <poll.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "arch/inventory.hpp"
#include "config/config_tree.hpp"
#include "config/files.hpp"
#include "flow/area_report.hpp"
#include "flow/compile.hpp"
#include "flow/experiment.hpp"
#include "flow/html_report.hpp"
#include "flow/report.hpp"
#include "flow/run.hpp"
#include "workloads/conv.hpp"
#include "workloads/model_io.hpp"
#include "workloads/network.hpp"
#include "workloads/onnx_import.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;
using nlohmann::json;

// libsystemc.so, which the simulator links, requires this symbol; Python is the program here and
// sc_start() is called by flow::run in the child.
extern "C" __attribute__((visibility("default"))) int sc_main(int /*argc*/, char* /*argv*/[]) {
  return 0;
}

namespace {

json ok(json result) { return {{"ok", true}, {"result", std::move(result)}}; }

json failure_json(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const xbar::config::ConfigError& c) {
    json problems = json::array();
    for (const auto& d : c.diagnostics()) problems.push_back(d.str());
    return {{"ok", false}, {"kind", "config"}, {"problems", problems}};
  } catch (const std::exception& x) {
    return {{"ok", false}, {"kind", "error"}, {"message", x.what()}};
  } catch (...) {
    return {{"ok", false}, {"kind", "error"}, {"message", "unknown error"}};
  }
}

// Runs `body` with the GIL released; its answer or its failure as JSON text.
template <class F>
std::string answer(F&& body) {
  py::gil_scoped_release release;
  try {
    return ok(body()).dump();
  } catch (...) {
    return failure_json(std::current_exception()).dump();
  }
}

// What `xbarsim validate` decides: an experiment file has a workload section.
bool is_experiment_file(const std::string& path) {
  try {
    const xbar::config::ConfigNode root = xbar::config::parse_yaml_file(path);
    return root.is_map() && root.find("workload");
  } catch (const xbar::config::ConfigError&) {
    return false;
  }
}

std::string out_dir(const std::string& out, const xbar::flow::Experiment& e) {
  return out.empty() ? (fs::path("runs") / e.name).string() : out;
}

xbar::flow::CompileSummary compile_summary(const xbar::flow::Experiment& e,
                                           const xbar::flow::Compiled& c) {
  return {e.flow,          c.placement,    xbar::flow::placed_inventory(e.arch, c.placement).chip.area_mm2,
          c.ann_accuracy_before, c.ann_accuracy, c.stages};
}

std::string validate(const std::string& path, const std::vector<std::string>& overrides) {
  return answer([&] {
    if (is_experiment_file(path)) {
      const xbar::flow::Experiment e = xbar::flow::load_experiment(path, overrides);
      const xbar::arch::Inventory inv = xbar::arch::build_inventory(e.arch);
      return json{{"kind", "experiment"},
                  {"name", e.name},
                  {"chip", e.arch.name},
                  {"library", inv.library_name},
                  {"config", xbar::config::to_yaml(e.resolved)}};
    }
    const xbar::arch::ArchSpec spec = xbar::arch::load_arch(path, overrides);
    const xbar::arch::Inventory inv = xbar::arch::build_inventory(spec);
    return json{{"kind", "arch"},
                {"name", spec.name},
                {"chip", spec.name},
                {"library", inv.library_name},
                {"config", xbar::config::to_yaml(spec.resolved)}};
  });
}

std::string area(const std::string& path, const std::vector<std::string>& overrides) {
  return answer([&] {
    return xbar::flow::area_json(xbar::arch::build_inventory(xbar::arch::load_arch(path, overrides)));
  });
}

// `xbarsim compile EXPERIMENT`: writes OUT/FLOW/ (placement, model, compile.json, config.yaml).
std::string compile(const std::string& path, const std::vector<std::string>& overrides,
                    const std::string& out, bool quiet) {
  return answer([&] {
    std::ostringstream sink;
    std::ostream& log = quiet ? static_cast<std::ostream&>(sink) : std::cerr;
    const xbar::flow::Experiment e = xbar::flow::load_experiment(path, overrides);
    const xbar::flow::Compiled c = xbar::flow::compile(e, log);
    const fs::path dir = fs::path(out_dir(out, e)) / e.flow;
    xbar::flow::save_compiled(e, c, dir.string());
    const xbar::flow::CompileSummary summary = compile_summary(e, c);
    xbar::config::write_file_atomically(dir / "compile.json", summary.to_json().dump(2) + "\n");
    xbar::config::write_file_atomically(dir / "config.yaml", xbar::config::to_yaml(e.resolved));
    json j = summary.to_json();
    j["dir"] = dir.string();
    return j;
  });
}

// `xbarsim accuracy EXPERIMENT`: the golden model alone (no SystemC: runs in this process).
std::string accuracy(const std::string& path, const std::vector<std::string>& overrides,
                     int images, const std::string& compiled, bool quiet) {
  return answer([&] {
    std::ostringstream sink;
    std::ostream& log = quiet ? static_cast<std::ostream&>(sink) : std::cerr;
    const xbar::flow::Experiment e = xbar::flow::load_experiment(path, overrides);
    const xbar::flow::Compiled c = compiled.empty() ? xbar::flow::compile(e, log)
                                                    : xbar::flow::load_compiled(e, compiled, log);
    return xbar::flow::evaluate(e, c, images, log).to_json();
  });
}

// A streambuf writing to a file descriptor (the child's log pipe).
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd) {}

 protected:
  int overflow(int c) override {
    if (c == EOF) return 0;
    const char ch = static_cast<char>(c);
    return ::write(fd_, &ch, 1) == 1 ? c : EOF;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd_, s + done, static_cast<size_t>(n - done));
      if (w <= 0) {
        if (errno == EINTR) continue;
        break;
      }
      done += w;
    }
    return done;
  }

 private:
  int fd_;
};

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w <= 0) {
      if (errno == EINTR) continue;
      return;
    }
    done += static_cast<size_t>(w);
  }
}

// The child: `xbarsim run` (compile or --compiled, save, simulate, write report.json/config.yaml,
// optionally report.html). Never returns.
[[noreturn]] void run_child(const std::string& path, const std::vector<std::string>& overrides,
                            int images, const std::string& out, const std::string& compiled,
                            bool html, int log_fd, int answer_fd) {
  FdBuf buf(log_fd);
  std::ostream log(&buf);
  std::string reply;
  try {
    const xbar::flow::Experiment e = xbar::flow::load_experiment(path, overrides);
    const fs::path dir = out_dir(out, e);
    const xbar::flow::Compiled c = compiled.empty() ? xbar::flow::compile(e, log)
                                                    : xbar::flow::load_compiled(e, compiled, log);
    if (compiled.empty() || fs::weakly_canonical(compiled) != fs::weakly_canonical(dir)) {
      xbar::flow::save_compiled(e, c, dir.string());
      xbar::config::write_file_atomically(dir / "compile.json",
                                          compile_summary(e, c).to_json().dump(2) + "\n");
    }
    xbar::flow::RunOptions ro;
    ro.placement_file = (dir / "placement_programmed.json").string();
    ro.images = images;
    ro.progress = true;  // progress lines go up the log pipe; the parent turns them into a bar
    const xbar::flow::RunReport report = xbar::flow::run(e, c, ro, log);
    json j = report.to_json();
    xbar::config::write_file_atomically(dir / "config.yaml", xbar::config::to_yaml(e.resolved));
    xbar::config::write_file_atomically(dir / "report.json", j.dump(2) + "\n");
    if (html) xbar::flow::write_run_report_html(dir.string());
    json a = ok(j);
    a["dir"] = dir.string();
    reply = a.dump();
  } catch (...) {
    reply = failure_json(std::current_exception()).dump();
  }
  log.flush();
  write_all(answer_fd, reply);
  ::close(answer_fd);
  ::close(log_fd);
  _exit(0);
}

// Splits the child's log into lines (at \n or \r) and hands each to `line`.
struct LineSplitter {
  std::string pending;
  template <class F>
  void feed(const char* data, size_t n, F&& line) {
    for (size_t i = 0; i < n; ++i) {
      if (data[i] == '\n' || data[i] == '\r') {
        if (!pending.empty()) line(pending);
        pending.clear();
      } else {
        pending += data[i];
      }
    }
  }
};

// `xbarsim run EXPERIMENT` in a child process. `on_log(line)` receives every log line (progress
// lines "simulating: D/N images, ..." included) with the GIL held.
std::string run(const std::string& path, const std::vector<std::string>& overrides, int images,
                const std::string& out, const std::string& compiled, bool html,
                const std::function<void(const std::string&)>& on_log) {
  int log_pipe[2], answer_pipe[2];
  if (::pipe(log_pipe) != 0) return failure_json(std::make_exception_ptr(std::runtime_error("pipe failed"))).dump();
  if (::pipe(answer_pipe) != 0) {
    ::close(log_pipe[0]);
    ::close(log_pipe[1]);
    return failure_json(std::make_exception_ptr(std::runtime_error("pipe failed"))).dump();
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(log_pipe[0]);
    ::close(answer_pipe[0]);
    run_child(path, overrides, images, out, compiled, html, log_pipe[1], answer_pipe[1]);
  }
  ::close(log_pipe[1]);
  ::close(answer_pipe[1]);
  if (pid < 0) {
    ::close(log_pipe[0]);
    ::close(answer_pipe[0]);
    return failure_json(std::make_exception_ptr(std::runtime_error("cannot fork"))).dump();
  }
  std::string reply;
  LineSplitter lines;
  bool callback_failed = false;
  {
    py::gil_scoped_release release;
    pollfd fds[2] = {{log_pipe[0], POLLIN, 0}, {answer_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) {  // Ctrl-C in a notebook: stop the child
            ::kill(pid, SIGTERM);
            callback_failed = true;
            PyErr_Clear();
          }
          continue;
        }
        break;
      }
      for (auto& f : fds) {
        if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(f.fd);
          f.fd = -1;
          --open_fds;
          continue;
        }
        if (f.fd == answer_pipe[0]) {
          reply.append(buf, static_cast<size_t>(n));
        } else if (on_log && !callback_failed) {
          py::gil_scoped_acquire gil;
          lines.feed(buf, static_cast<size_t>(n), [&](const std::string& l) {
            if (callback_failed) return;
            try {
              on_log(l);
            } catch (py::error_already_set&) {  // e.g. KeyboardInterrupt from the callback
              callback_failed = true;
              ::kill(pid, SIGTERM);
            }
          });
        }
      }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (reply.empty()) {
      const std::string why =
          callback_failed ? "interrupted"
          : WIFSIGNALED(status) ? "the simulation process was killed by signal " +
                                      std::to_string(WTERMSIG(status))
                                : "the simulation process exited with status " +
                                      std::to_string(WEXITSTATUS(status)) + " without an answer";
      return failure_json(std::make_exception_ptr(std::runtime_error(why))).dump();
    }
  }
  return reply;
}

// Writes an MLP's weights (each outputs x inputs, float32, C order as PyTorch's Linear holds
// them) as an xbarsim model directory, through the same save_model `xbarsim train` uses.
std::string write_model(const std::string& dir,
                        const std::vector<py::array_t<float, py::array::c_style | py::array::forcecast>>& weights,
                        const std::string& dataset) {
  // Copy out of the arrays with the GIL held, then release it for the rest.
  std::vector<Eigen::MatrixXf> ws;
  std::string shape_problem;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const auto& a = weights[i];
    if (a.ndim() != 2) {
      shape_problem = "weights[" + std::to_string(i) + "]: a " + std::to_string(a.ndim()) +
                      "-d array; an MLP layer is a 2-d array of outputs x inputs" +
                      (a.ndim() == 1 ? " (biases are not supported: the SNN conversion is bias-free)"
                                     : "");
      break;
    }
    Eigen::MatrixXf m(a.shape(0), a.shape(1));
    const auto r = a.unchecked<2>();
    for (py::ssize_t o = 0; o < a.shape(0); ++o)
      for (py::ssize_t k = 0; k < a.shape(1); ++k) m(o, k) = r(o, k);
    ws.push_back(std::move(m));
  }
  return answer([&] {
    if (!shape_problem.empty()) throw std::invalid_argument(shape_problem);
    if (ws.empty()) throw std::invalid_argument("weights: an empty list (an MLP needs a layer)");
    std::vector<int> sizes = {static_cast<int>(ws[0].cols())};
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (ws[i].cols() != sizes.back())
        throw std::invalid_argument("weights[" + std::to_string(i) + "] has " +
                                    std::to_string(ws[i].cols()) + " inputs but weights[" +
                                    std::to_string(i - 1) + "] has " + std::to_string(sizes.back()) +
                                    " outputs");
      sizes.push_back(static_cast<int>(ws[i].rows()));
    }
    xbar::workloads::MlpOptions mo;
    mo.dropout = 0;
    xbar::workloads::Network net = xbar::workloads::make_mlp(sizes, mo);
    auto dense = net.layers_of<xbar::workloads::Dense>();
    for (std::size_t i = 0; i < ws.size(); ++i) dense[i]->set_weights(ws[i]);
    xbar::workloads::ModelInfo info;
    info.dataset = dataset;
    info.training = {{"source", "python"}};
    xbar::workloads::save_model(dir, net, info);
    return json(sizes);
  });
}

// `xbarsim import MODEL.onnx -o DIR`; the layer sizes of what it wrote.
std::string import_onnx(const std::string& file, const std::string& dir, const std::string& dataset) {
  return answer([&] {
    xbar::workloads::OnnxImport m = xbar::workloads::import_onnx(file);
    xbar::workloads::ModelInfo info;
    info.dataset = dataset;
    info.training = {{"source", "onnx"}, {"file", file}, {"producer", m.producer}};
    xbar::workloads::save_model(dir, m.network, info);
    return json{{"layers", m.network.layer_sizes()},
                {"conv", !xbar::workloads::conv_layers(m.network).empty()},
                {"log", m.log}};
  });
}

// `xbarsim report RUN_DIR`.
std::string report(const std::string& dir) {
  return answer([&] { return json(xbar::flow::write_run_report_html(dir)); });
}

}  // namespace

PYBIND11_MODULE(_xbarsim, m) {
  m.doc() = "xbarsim's C++ half; use the package `xbarsim`, not this module";
  m.attr("version") = XBARSIM_VERSION;
  m.def("validate", &validate, py::arg("path"), py::arg("overrides"));
  m.def("area", &area, py::arg("path"), py::arg("overrides"));
  m.def("compile", &compile, py::arg("path"), py::arg("overrides"), py::arg("out"),
        py::arg("quiet"));
  m.def("accuracy", &accuracy, py::arg("path"), py::arg("overrides"), py::arg("images"),
        py::arg("compiled"), py::arg("quiet"));
  m.def("run", &run, py::arg("path"), py::arg("overrides"), py::arg("images"), py::arg("out"),
        py::arg("compiled"), py::arg("html"), py::arg("on_log"));
  m.def("write_model", &write_model, py::arg("dir"), py::arg("weights"), py::arg("dataset"));
  m.def("import_onnx", &import_onnx, py::arg("file"), py::arg("dir"), py::arg("dataset"));
  m.def("report", &report, py::arg("dir"));
}
