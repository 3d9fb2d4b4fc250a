// Model::summary(): Keras 1's table (spec 11.2), character for character.
#include <cstdio>
#include <map>
#include <set>

#include "keel/models/model.h"

namespace keel {

namespace {

constexpr int kLineLength = 100;
constexpr int kPositions[] = {33, 55, 67, 100};

// Keras's print_row: each field cut at its column end and padded; the character before a new
// field is replaced by a space.
std::string row(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    const auto end = static_cast<std::size_t>(kPositions[i]);
    if (line.size() > end) line.resize(end);
    line.append(end - line.size(), ' ');
  }
  return line + "\n";
}

std::string thousands(std::int64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string connection(const layers::SymbolicTensor& t) {
  const auto& node = *t.node();
  const std::string name = node.layer ? node.layer->name() : node.input_name;
  return name + "[" + std::to_string(node.layer ? node.layer_call_index : 0) + "][0]";
}

}  // namespace

std::string Model::summary() const {
  std::string out = std::string(kLineLength, '_') + "\n";
  out += row({"Layer (type)", "Output Shape", "Param #", "Connected to"});
  out += std::string(kLineLength, '=') + "\n";

  struct Row {
    std::vector<std::string> fields;
    std::vector<std::string> more_connections;
  };
  std::vector<Row> rows;
  // Graph models list their inputs as InputLayer rows; Sequential hides its implicit input.
  if (class_name() != "Sequential")
    for (const auto& x : inputs_)
      rows.push_back({{x.node()->input_name + " (InputLayer)", x.shape().str(), "0", ""}, {}});
  for (const auto& layer : layers_) {
    std::vector<std::string> connections;
    std::set<std::string> shapes;
    std::string shape;
    for (const auto& n : nodes_) {
      if (n->layer != layer) continue;
      for (const auto& in : n->inputs) connections.push_back(connection(in));
      shapes.insert(n->output_shape.str());
      shape = n->output_shape.str();
    }
    Row r{{layer->name() + " (" + layer->class_name() + ")", shapes.size() > 1 ? "multiple" : shape,
           std::to_string(layer->count_params()), connections.empty() ? "" : connections[0]},
          {}};
    for (std::size_t i = 1; i < connections.size(); ++i)
      r.more_connections.push_back(connections[i]);
    rows.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += row(rows[i].fields);
    for (const auto& c : rows[i].more_connections) out += row({"", "", "", c});
    out += std::string(kLineLength, i + 1 == rows.size() ? '=' : '_') + "\n";
  }
  std::int64_t trainable = 0;
  for (const auto& w : trainable_weights()) trainable += w.shape().numel();
  const std::int64_t total = count_params();
  out += "Total params: " + thousands(total) + "\n";
  out += "Trainable params: " + thousands(trainable) + "\n";
  out += "Non-trainable params: " + thousands(total - trainable) + "\n";
  out += std::string(kLineLength, '_') + "\n";
  return out;
}

void Model::print_summary(std::FILE* out) const {
  const std::string s = summary();
  std::fputs(s.c_str(), out);
  std::fflush(out);
}

}  // namespace keel
