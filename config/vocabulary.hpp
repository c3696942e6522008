// Enumerations that several libraries read from configuration files -- the chip's neuron model and
// reset (arch), which the golden model and the hardware models implement (workloads, models) --
// each with its one name table (config/enum_names.hpp).
#pragma once

#include <array>
#include <span>

#include "config/enum_names.hpp"

namespace xbar::config {

enum class NeuronModel { If, Lif };
inline constexpr std::array<EnumName<NeuronModel>, 2> kNeuronModelNames{{
    {NeuronModel::If, "if", "integrate-and-fire"},
    {NeuronModel::Lif, "lif", "leaky integrate-and-fire"},
}};
constexpr std::span<const EnumName<NeuronModel>> enum_names(NeuronModel) {
  return kNeuronModelNames;
}

// What a neuron's potential becomes after it fires.
enum class ResetMode { Subtract, Zero };
inline constexpr std::array<EnumName<ResetMode>, 2> kResetModeNames{{
    {ResetMode::Subtract, "subtract", "subtract the threshold (keeps the residue)"},
    {ResetMode::Zero, "zero", "reset to zero"},
}};
constexpr std::span<const EnumName<ResetMode>> enum_names(ResetMode) { return kResetModeNames; }

}  // namespace xbar::config
