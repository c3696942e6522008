// The mesh's two engines (models/noc_mesh.hpp): the flit-by-flit step, and the fast engine's
// timing of whole packets, with the hand-over from one to the other.
#include "models/noc_mesh.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "arch/noc_implementation.hpp"

namespace xbar::models {

MeshLayout mesh_layout(int grid_rows, int grid_columns, int concentration) {
  MeshLayout m;
  while ((m.block_rows * 2) * (m.block_rows * 2) <= concentration &&
         concentration % (m.block_rows * 2) == 0)
    m.block_rows *= 2;
  m.block_columns = concentration / m.block_rows;
  m.rows = (grid_rows + m.block_rows - 1) / m.block_rows;
  m.columns = (grid_columns + m.block_columns - 1) / m.block_columns;
  return m;
}

namespace {
constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
}

MeshNoc::MeshNoc(const arch::ArchSpec& arch, int grid_rows, int grid_cols)
    : Noc(grid_rows * grid_cols),
      fast_(arch.noc.engine == arch::NocEngine::Fast),
      concentration_(arch.noc.tiles_per_router),
      depth_(arch.noc.buffer_depth_flits),
      router_latency_(arch.noc.router_latency_cycles),
      link_latency_(arch.noc.link_latency_cycles) {
  // Tiles sit on the chip grid; a router serves a kr x kc block of them.
  const int tiles = grid_rows * grid_cols;
  const MeshLayout layout = mesh_layout(grid_rows, grid_cols, concentration_);
  const int kr = layout.block_rows, kc = layout.block_columns;
  rows_ = layout.rows;
  cols_ = layout.columns;
  tile_router_.resize(tiles);
  tile_port_.resize(tiles);
  std::vector<int> used(rows_ * cols_, 0);
  for (int t = 0; t < tiles; ++t) {
    int r = t / grid_cols, c = t % grid_cols;
    tile_router_[t] = (r / kr) * cols_ + c / kc;
    tile_port_[t] = Local + used[tile_router_[t]]++;
  }
  if (concentration_ > 60) throw std::invalid_argument("a mesh router serves at most 60 tiles");
  ports_ = Local + concentration_;
  routers_.resize(rows_ * cols_);
  for (auto& router : routers_) {
    router.in.resize(ports_);
    router.out.resize(ports_);
    for (auto& o : router.out) o.credits = depth_;
    for (auto& i : router.in) i.buffer.reserve(depth_);
  }
  active_.assign((routers_.size() + 63) / 64, 0);
  route_.resize(routers_.size() * static_cast<size_t>(tiles));
  for (int r = 0; r < static_cast<int>(routers_.size()); ++r)
    for (int t = 0; t < tiles; ++t)
      route_[static_cast<size_t>(r) * tiles + t] = static_cast<std::uint8_t>(route(r, t));
  source_.resize(tiles);
  if (fast_) resources_.resize(static_cast<size_t>(tiles) + routers_.size() * ports_);
}

void MeshNoc::reset_state() {
  // Idle: the buffers, links, source queues and timed packets are empty and every credit is
  // back; what remains of the images before is the arbiters' round-robin state, the wormhole
  // holds' bookkeeping and the fast engine's streams and packet slots.
  for (auto& router : routers_) {
    for (auto& o : router.out) o = OutputPort{-1, depth_, 0, 0};
    for (auto& i : router.in) i.out = -1;
    router.buffered = 0;
    router.occupied = 0;
  }
  std::fill(active_.begin(), active_.end(), 0);
  packets_.clear();
  free_packets_.clear();
  sources_waiting_.clear();
  std::fill(resources_.begin(), resources_.end(), Resource{});
  timed_.clear();
  free_timed_.clear();
  due_ = {};
  std::fill(seen_.begin(), seen_.end(), 0);
  stamp_ = 0;
  order_ = 0;
  wake_ = 0;
  flits_in_network_ = flits_stepped_ = 0;
}

std::string MeshNoc::describe() const {
  return "mesh " + std::to_string(rows_) + "x" + std::to_string(cols_) + " routers, " +
         std::to_string(concentration_) + " tile(s) per router";
}

int MeshNoc::hops(int src_tile, int dst_tile) const {
  auto [r1, c1] = router_position(tile_router_[src_tile]);
  auto [r2, c2] = router_position(tile_router_[dst_tile]);
  return std::abs(r1 - r2) + std::abs(c1 - c2);
}

std::vector<std::pair<int, int>> MeshNoc::route_links(int src_tile, int dst_tile) const {
  std::vector<std::pair<int, int>> links;
  auto [r, c] = router_position(tile_router_[src_tile]);
  const auto [dr, dc] = router_position(tile_router_[dst_tile]);
  while (c != dc) {
    const int next = c + (dc > c ? 1 : -1);
    links.emplace_back(r * cols_ + c, r * cols_ + next);
    c = next;
  }
  while (r != dr) {
    const int next = r + (dr > r ? 1 : -1);
    links.emplace_back(r * cols_ + c, next * cols_ + c);
    r = next;
  }
  return links;
}

int MeshNoc::route(int router, int dst_tile) const {
  int dst = tile_router_[dst_tile];
  auto [r, c] = router_position(router);
  auto [dr, dc] = router_position(dst);
  if (dc > c) return East;
  if (dc < c) return West;
  if (dr > r) return South;
  if (dr < r) return North;
  return tile_port_[dst_tile];
}

int MeshNoc::neighbour(int router, int port) const {
  auto [r, c] = router_position(router);
  switch (port) {
    case North:
      return (r - 1) * cols_ + c;
    case South:
      return (r + 1) * cols_ + c;
    case East:
      return r * cols_ + c + 1;
    case West:
      return r * cols_ + c - 1;
  }
  return -1;
}

std::vector<MeshNoc::Hop> MeshNoc::path(int src_tile, int dst_tile) const {
  std::vector<Hop> p;
  int router = tile_router_[src_tile], in = tile_port_[src_tile];
  for (;;) {
    const int out = route_[static_cast<size_t>(router) * tiles() + dst_tile];
    p.push_back({router, in, out});
    if (out >= Local) return p;
    router = neighbour(router, out);
    in = opposite(out);
  }
}

void MeshNoc::set_rr(OutputPort& out, int input, std::uint64_t grant_cycle) const {
  if (grant_cycle < out.rr_cycle) return;  // a later grant already set it
  out.rr = (input + 1) % ports_;
  out.rr_cycle = grant_cycle;
}

// ---- injection ----

void MeshNoc::inject(Packet packet) {
  stats_.flits += packet.flits;
  flits_in_network_ += packet.flits;
  if (!fast_) {
    inject_stepped(packet);
    return;
  }
  const std::uint64_t cycle = ticking_cycle();
  // Under heavy traffic most packets meet a stepped one: find out without building anything.
  bool meets_stepped = resources_[packet.src_tile].stepped > 0, meets_timed = false;
  for_each_port(packet.src_tile, packet.dst_tile, [&](int, int, int, int res) {
    meets_stepped |= resources_[res].stepped > 0;
    meets_timed |= !resources_[res].timed.empty();
  });
  meets_timed |= !resources_[packet.src_tile].timed.empty();
  if (meets_stepped) {
    if (meets_timed) {
      std::vector<int> resources = {packet.src_tile};
      for_each_port(packet.src_tile, packet.dst_tile,
                    [&](int, int, int, int res) { resources.push_back(res); });
      step_all_timed_sharing(resources, cycle);
    }
    inject_stepped(packet);
    return;
  }
  const std::vector<Hop> hops = path(packet.src_tile, packet.dst_tile);
  std::vector<int> resources = {packet.src_tile};
  for (const Hop& h : hops) resources.push_back(port_resource(h.router, h.out));
  Timed t;
  t.path = hops;
  t.resources = resources;
  if (try_time(packet, cycle, t)) {
    commit(std::move(t));
    return;
  }
  // Stepped from here: the timed packets it meets go back to being stepped too.
  step_all_timed_sharing(resources, cycle);
  inject_stepped(packet);
}

void MeshNoc::count_stepped(const Packet& packet, int delta) {
  resources_[packet.src_tile].stepped += delta;
  for_each_port(packet.src_tile, packet.dst_tile,
                [&](int, int, int, int res) { resources_[res].stepped += delta; });
}

void MeshNoc::inject_stepped(const Packet& packet) {
  int index;
  if (!free_packets_.empty()) {
    index = free_packets_.back();
    free_packets_.pop_back();
    packets_[index] = packet;
  } else {
    index = static_cast<int>(packets_.size());
    packets_.push_back(packet);
  }
  if (fast_) count_stepped(packet, +1);
  if (source_[packet.src_tile].empty()) sources_waiting_.push_back(packet.src_tile);
  for (int f = 0; f < packet.flits; ++f)
    source_[packet.src_tile].push_back({index, packet.dst_tile, f == 0, f == packet.flits - 1, 0});
  flits_stepped_ += packet.flits;
  wake_ = 0;
  ++packets_stepped_;
}

// ---- the fast engine ----

bool MeshNoc::try_time(const Packet& packet, std::uint64_t cycle, Timed& t) {
  for (int r : t.resources)
    if (resources_[r].stepped > 0) return false;
  const int n = packet.flits, H = static_cast<int>(t.path.size());
  const std::uint64_t R = static_cast<std::uint64_t>(router_latency_);
  const std::uint64_t link = static_cast<std::uint64_t>(std::max(link_latency_, 1));
  t.packet = packet;
  t.enter.assign(static_cast<size_t>(H) * n, 0);
  t.leave.assign(static_cast<size_t>(H) * n, 0);
  t.grant.assign(H, 0);
  const Resource& inj = resources_[t.resources[0]];
  // Departure of the stream flit `back` places before flit f of this packet from the buffer that
  // `res` feeds (hop `hop` of this packet; hop -1: the injection's local buffer is hop 0), or
  // nullopt when the stream has no such flit (the buffer was empty).
  auto earlier = [&](const Resource& res, int f, int back,
                     int hop) -> std::optional<std::uint64_t> {
    const int g = f - back;
    if (g >= 0) return t.leave[static_cast<size_t>(hop) * n + g];
    if (!res.has_stream) return std::nullopt;
    const int k = static_cast<int>(res.recent.size()) + g;
    if (k < 0) return std::nullopt;
    return res.recent[static_cast<size_t>(k)];
  };
  for (int f = 0; f < n; ++f) {
    for (int i = 0; i < H; ++i) {
      const Hop& hop = t.path[i];
      const size_t at = static_cast<size_t>(i) * n + f;
      // Entry into hop i's input buffer.
      std::uint64_t e;
      if (i == 0) {
        e = cycle;
        if (f > 0)
          e = std::max(e, t.enter[at - 1] + 1);  // one flit per cycle from the source queue
        else if (inj.has_stream)
          e = std::max(e, inj.last_entry + 1);
        if (auto d = earlier(inj, f, depth_, 0)) e = std::max(e, *d + 1);  // room in the buffer
      } else {
        e = t.leave[static_cast<size_t>(i - 1) * n + f] + link;
      }
      t.enter[at] = e;
      // Departure through hop i's output.
      const Resource& out = resources_[t.resources[static_cast<size_t>(i) + 1]];
      std::uint64_t x = e + R;
      if (f == 0) {
        // The head asks for the output once it is ready and at the front of its buffer; the
        // output is free once the previous packet's tail has passed. Nobody else may be asking.
        const Resource& feed = i == 0 ? inj : resources_[t.resources[static_cast<size_t>(i)]];
        if (auto prev = earlier(feed, 0, 1, i)) x = std::max(x, *prev + 1);
        if (out.has_stream) {
          if (x <= out.last_grant) return false;  // it would compete with an earlier packet
          x = std::max(x, out.last_tail + 1);
        }
        t.grant[i] = x;
      } else {
        x = std::max(x, t.leave[at - 1] + 1);
      }
      if (i + 1 < H) {
        // A credit: the flit `depth` places earlier in this output's stream has left the
        // downstream buffer, seen in the same cycle when this router is stepped after that one.
        const int down = t.path[static_cast<size_t>(i) + 1].router;
        if (auto d = earlier(out, f, depth_, i + 1))
          x = std::max(x, *d + (hop.router > down ? 0 : 1));
      }
      t.leave[at] = x;
    }
  }
  return true;
}

void MeshNoc::commit(Timed&& t) {
  const int n = t.packet.flits, H = static_cast<int>(t.path.size());
  int index;
  if (!free_timed_.empty()) {
    index = free_timed_.back();
    free_timed_.pop_back();
  } else {
    index = static_cast<int>(timed_.size());
    timed_.emplace_back();
  }
  t.order = order_++;
  t.in_flight = true;
  // The streams through its resources now end with its flits.
  auto append = [&](Resource& res, const std::uint64_t* first, int count) {
    res.has_stream = true;
    for (int f = 0; f < count; ++f) res.recent.push_back(first[f]);
    if (static_cast<int>(res.recent.size()) > depth_)
      res.recent.erase(res.recent.begin(), res.recent.end() - depth_);
  };
  Resource& inj = resources_[t.resources[0]];
  append(inj, &t.leave[0], n);
  inj.last_entry = t.enter[static_cast<size_t>(n) - 1];
  inj.timed.push_back(index);
  for (int i = 0; i < H; ++i) {
    Resource& out = resources_[t.resources[static_cast<size_t>(i) + 1]];
    if (i + 1 < H) append(out, &t.leave[static_cast<size_t>(i + 1) * n], n);
    out.has_stream = true;
    out.last_grant = t.grant[i];
    out.last_tail = t.leave[static_cast<size_t>(i) * n + n - 1];
    out.timed.push_back(index);
  }
  const Hop& last = t.path.back();
  due_.push(
      {t.leave[static_cast<size_t>(H - 1) * n + n - 1], last.router, last.out, index, t.order});
  timed_[index] = std::move(t);
  ++packets_timed_;
}

// Takes a timed packet off every resource it holds; a resource no timed packet holds any more
// forgets its stream (its buffer is empty and its credits are back).
void MeshNoc::release(int index) {
  Timed& t = timed_[index];
  for (int r : t.resources) {
    Resource& res = resources_[r];
    res.timed.erase(std::find(res.timed.begin(), res.timed.end(), index));
    if (res.timed.empty()) {
      res.recent.clear();
      res.has_stream = false;
    }
  }
  t.in_flight = false;
  free_timed_.push_back(index);
}

void MeshNoc::step_all_timed_sharing(const std::vector<int>& resources, std::uint64_t cycle) {
  bool any = false;
  for (int r : resources) any |= !resources_[r].timed.empty();
  if (!any) return;
  // Every timed packet connected to these resources through shared resources, in timing order
  // (the order their flits stand in the shared buffers).
  std::vector<int> found, todo(resources.begin(), resources.end());
  if (seen_.size() != resources_.size()) seen_.assign(resources_.size(), 0);
  ++stamp_;
  while (!todo.empty()) {
    const int r = todo.back();
    todo.pop_back();
    if (seen_[r] == stamp_) continue;
    seen_[r] = stamp_;
    for (int k : resources_[r].timed) {
      if (std::find(found.begin(), found.end(), k) != found.end()) continue;
      found.push_back(k);
      for (int r2 : timed_[k].resources) todo.push_back(r2);
    }
  }
  std::sort(found.begin(), found.end(),
            [&](int a, int b) { return timed_[a].order < timed_[b].order; });
  for (int k : found) to_flits(k, cycle);
}

// Puts a timed packet into the routers as stepping it would have left them at the start of
// `cycle`: its flits in the source queue, buffers and links, the credits it has taken and not yet
// given back, the outputs it holds and the arbiters it has passed.
void MeshNoc::to_flits(int k, std::uint64_t cycle) {
  Timed& t = timed_[k];
  const int n = t.packet.flits, H = static_cast<int>(t.path.size());
  int index;
  if (!free_packets_.empty()) {
    index = free_packets_.back();
    free_packets_.pop_back();
    packets_[index] = t.packet;
  } else {
    index = static_cast<int>(packets_.size());
    packets_.push_back(t.packet);
  }
  std::uint64_t stepped = 0;
  for (int f = 0; f < n; ++f) {
    const Flit flit{index, t.packet.dst_tile, f == 0, f == n - 1, 0};
    for (int i = 0; i < H; ++i) {
      const Hop& hop = t.path[i];
      const size_t at = static_cast<size_t>(i) * n + f;
      if (t.enter[at] >= cycle) {
        ++stepped;
        if (i == 0) {
          if (source_[t.packet.src_tile].empty()) sources_waiting_.push_back(t.packet.src_tile);
          source_[t.packet.src_tile].push_back(flit);
        } else {
          InFlight in{t.leave[at - n] + static_cast<std::uint64_t>(link_latency_), hop.router,
                      hop.in, flit};
          auto pos = std::upper_bound(
              links_.begin(), links_.end(), in.arrival_cycle,
              [](std::uint64_t c, const InFlight& l) { return c < l.arrival_cycle; });
          links_.insert(pos, in);
        }
        break;
      }
      ++stats_.buffer_writes;
      if (t.leave[at] >= cycle) {
        ++stepped;
        Flit buffered = flit;
        buffered.ready_cycle = t.enter[at] + static_cast<std::uint64_t>(router_latency_);
        Router& router = routers_[hop.router];
        router.in[hop.in].buffer.push_back(buffered);
        router.occupied |= std::uint64_t{1} << hop.in;
        ++router.buffered;
        mark_active(hop.router);
        break;
      }
      ++stats_.buffer_reads;
      ++stats_.router_traversals;
      if (i + 1 < H) ++stats_.flit_hops;
      if (i + 1 == H) --flits_in_network_;  // ejected already
    }
  }
  for (int i = 0; i < H; ++i) {
    const Hop& hop = t.path[i];
    Router& router = routers_[hop.router];
    OutputPort& out = router.out[hop.out];
    const std::uint64_t* leave = &t.leave[static_cast<size_t>(i) * n];
    if (i + 1 < H) {
      const std::uint64_t* down = &t.leave[static_cast<size_t>(i + 1) * n];
      for (int f = 0; f < n; ++f) out.credits += (down[f] < cycle) - (leave[f] < cycle);
    }
    if (t.grant[i] < cycle) {
      set_rr(out, hop.in, t.grant[i]);
      if (leave[n - 1] >= cycle) out.held_by = hop.in;
    }
    if (leave[0] < cycle && leave[n - 1] >= cycle) router.in[hop.in].out = hop.out;
  }
  flits_stepped_ += stepped;
  wake_ = 0;
  const Packet packet = t.packet;
  release(k);
  count_stepped(packet, +1);
  ++packets_handed_over_;
}

std::uint64_t MeshNoc::next_change_cycle() const {
  if (!fast_) return 0;
  std::uint64_t next = flits_stepped_ > 0 ? wake_ : kNever;
  // Skip the deliveries of packets no longer timed (stepped since).
  while (!due_.empty() && !timed(due_.top())) due_.pop();
  if (!due_.empty()) next = std::min(next, due_.top().cycle);
  return next == kNever ? 0 : next;
}

// ---- the flit-by-flit step ----

bool MeshNoc::step(std::uint64_t cycle) {
  bool changed = false;
  std::uint64_t wake = kNever;
  // 1. Flits whose link traversal ends now enter their input buffer (space was reserved by credit).
  while (!links_.empty() && links_.front().arrival_cycle <= cycle) {
    InFlight& f = links_.front();
    f.flit.ready_cycle = cycle + router_latency_;
    Router& router = routers_[f.router];
    router.in[f.port].buffer.push_back(f.flit);
    router.occupied |= std::uint64_t{1} << f.port;
    ++router.buffered;
    mark_active(f.router);
    ++stats_.buffer_writes;
    links_.pop_front();
    changed = true;
  }
  // 2. Each tile's local port takes one flit per cycle from its source queue when there is room
  //    (tiles never share a local port, so the order over tiles does not matter).
  for (size_t k = 0; k < sources_waiting_.size();) {
    const int t = sources_waiting_[k];
    Router& router = routers_[tile_router_[t]];
    InputPort& in = router.in[tile_port_[t]];
    if (static_cast<int>(in.buffer.size()) < depth_) {
      Flit flit = source_[t].front();
      source_[t].pop_front();
      flit.ready_cycle = cycle + router_latency_;
      in.buffer.push_back(flit);
      router.occupied |= std::uint64_t{1} << tile_port_[t];
      ++router.buffered;
      mark_active(tile_router_[t]);
      ++stats_.buffer_writes;
      changed = true;
      if (source_[t].empty()) {
        sources_waiting_[k] = sources_waiting_.back();
        sources_waiting_.pop_back();
        continue;
      }
    }
    ++k;
  }
  // 3. Switch traversal, router by router in index order (a credit returned upstream is seen by a
  //    later router in the same cycle): each output forwards at most one flit; wormhole keeps an
  //    output with a packet until its tail; free outputs are granted round-robin among ready head
  //    flits. Only routers holding flits have anything to do.
  deliveries_.clear();
  for (size_t w = 0; w < active_.size(); ++w) {
    for (std::uint64_t word = active_[w]; word; word &= word - 1) {
      const int r = static_cast<int>(w * 64) + std::countr_zero(word);
      Router& router = routers_[r];
      const int ports = ports_;
      // Which inputs ask for which free output this cycle (a ready head flit routed there), and
      // the outputs that may move a flit: requested ones and ones held by a packet.
      std::uint64_t requests[64 + Local];
      std::uint64_t outputs = 0;
      for (std::uint64_t bits = router.occupied; bits; bits &= bits - 1) {
        const int i = std::countr_zero(bits);
        InputPort& in = router.in[i];
        const Flit& head = in.buffer.front();
        if (head.ready_cycle > cycle) wake = std::min(wake, head.ready_cycle);
        if (in.out < 0 && head.head) in.out = route_[static_cast<size_t>(r) * tiles() + head.dst];
        if (in.out < 0) continue;
        const std::uint64_t bit = std::uint64_t{1} << in.out;
        if (!(outputs & bit)) requests[in.out] = 0;
        outputs |= bit;
        if (head.head && head.ready_cycle <= cycle) requests[in.out] |= std::uint64_t{1} << i;
      }
      for (std::uint64_t bits = outputs; bits; bits &= bits - 1) {
        const int o = std::countr_zero(bits);
        OutputPort& out = router.out[o];
        int chosen = out.held_by;
        if (chosen < 0) {
          const std::uint64_t req = requests[o];
          if (req == 0) continue;
          // Round robin: the first requesting input at or after the pointer.
          const std::uint64_t from_rr = out.rr < 64 ? req & (~std::uint64_t{0} << out.rr) : 0;
          chosen = std::countr_zero(from_rr ? from_rr : req);
          out.rr = (chosen + 1) % ports;
          out.rr_cycle = cycle;
          out.held_by = chosen;
          changed = true;
        }
        InputPort& in = router.in[chosen];
        if (in.buffer.empty() || in.buffer.front().ready_cycle > cycle) continue;
        bool local = o >= Local;
        if (!local && out.credits == 0) continue;  // back-pressure: no room downstream
        Flit flit = in.buffer.front();
        in.buffer.pop_front();
        if (in.buffer.empty()) router.occupied &= ~(std::uint64_t{1} << chosen);
        --router.buffered;
        ++stats_.buffer_reads;
        ++stats_.router_traversals;
        changed = true;
        // The slot just freed is a credit for whoever feeds this input.
        if (chosen < Local) {
          int up = neighbour(r, chosen);
          ++routers_[up].out[opposite(chosen)].credits;
        }
        if (flit.tail) {
          out.held_by = -1;
          in.out = -1;
        }
        if (local) {
          --flits_in_network_;
          --flits_stepped_;
          if (flit.tail) {
            deliveries_.push_back({r, o, packets_[flit.packet]});
            if (fast_) {
              count_stepped(packets_[flit.packet], -1);
            }
            free_packets_.push_back(flit.packet);
          }
        } else {
          --out.credits;
          ++stats_.flit_hops;
          links_.push_back({cycle + link_latency_, neighbour(r, o), opposite(o), flit});
        }
      }
      if (router.buffered == 0) active_[w] &= ~(std::uint64_t{1} << (r & 63));
    }
  }
  // Timed packets whose tail leaves in this step, in the order stepping would deliver them.
  while (fast_ && !due_.empty() && due_.top().cycle <= cycle) {
    const Due d = due_.top();
    due_.pop();
    if (!timed(d)) continue;
    Timed& t = timed_[d.timed];
    if (d.cycle < cycle)
      throw std::logic_error("the mesh was not ticked in the cycle a timed packet arrives");
    const std::uint64_t n = static_cast<std::uint64_t>(t.packet.flits);
    const std::uint64_t H = t.path.size();
    stats_.buffer_writes += n * H;
    stats_.buffer_reads += n * H;
    stats_.router_traversals += n * H;
    stats_.flit_hops += n * (H - 1);
    flits_in_network_ -= n;
    for (size_t i = 0; i < t.path.size(); ++i)
      set_rr(routers_[t.path[i].router].out[t.path[i].out], t.path[i].in, t.grant[i]);
    deliveries_.push_back({d.router, d.port, t.packet});
    release(d.timed);
  }
  if (deliveries_.size() > 1)
    std::stable_sort(deliveries_.begin(), deliveries_.end(),
                     [](const Delivery& a, const Delivery& b) {
                       return a.router != b.router ? a.router < b.router : a.port < b.port;
                     });
  for (const Delivery& d : deliveries_) deliver(d.packet, cycle + 1);
  // Nothing stepped moved: nothing will until a flit gets off a link or becomes ready.
  if (changed || !sources_waiting_.empty()) {
    wake_ = cycle + 1;
  } else {
    if (!links_.empty()) wake = std::min(wake, links_.front().arrival_cycle);
    wake_ = std::max(wake, cycle + 1);
  }
  return flits_in_network_ > 0;
}

// Each router owns its east and south links; a router serves tiles_per_router tiles.
XBAR_REGISTER_IMPLEMENTATION(
    arch::noc_implementations(), mesh,
    "2D mesh, XY routing, input-buffered routers with back-pressure", {},
    arch::NocImplementation{
        [](const arch::ArchSpec& a, const arch::NocImplementation::AddPart& add) {
          add(arch::Component::Router, 1.0 / a.noc.tiles_per_router);
          add(arch::Component::Link, 2.0 / a.noc.tiles_per_router);
        },
        "link",
        [](const arch::ArchSpec& a, int rows, int columns) -> std::unique_ptr<Noc> {
          return std::make_unique<MeshNoc>(a, rows, columns);
        }});

}  // namespace xbar::models
