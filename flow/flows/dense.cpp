// compile.flow: dense -- every weight, dense tiling: the original network. A CNN's conv and pooling
// layers are mapped as kernels (compiler/conv_map.hpp), replicated over their output positions or
// time-multiplexed as the chip's conv_weights says.
#include <ostream>

#include "compiler/conv_map.hpp"
#include "flow/compile_flow.hpp"
#include "workloads/conv.hpp"

namespace xbar::flow {

namespace {

std::vector<compiler::LayerMapping> dense(FlowRun& run) {
  std::vector<compiler::LayerMapping> layers;
  if (!workloads::conv_layers(run.ann).empty()) {
    const bool multiplexed =
        run.experiment.arch.chip.conv_weights == arch::ConvWeights::TimeMultiplexed;
    layers = compiler::map_cnn(run.ann, run.geometry, multiplexed);
    run.log << "compile: CNN, " << layers.size() << " spiking layers, conv and pooling layers "
            << (multiplexed ? "time-multiplexed (one crossbar per kernel tile, read position by "
                              "position)"
                            : "mapped replicated over their output positions")
            << "\n";
    return layers;
  }
  const auto masks = masks_of(run.ann);
  for (std::size_t l = 0; l < masks.size(); ++l)
    layers.push_back(compiler::map_dense(static_cast<int>(l), masks[l], run.geometry));
  return layers;
}

}  // namespace

XBAR_REGISTER_IMPLEMENTATION(compile_flows(), dense,
                             "every weight, dense tiling (the original network)", {}, dense);

}  // namespace xbar::flow
