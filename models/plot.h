// Training curves as a self-contained SVG picture (no script, no fetched font: it opens in any
// browser or image viewer).
//
//   model.fit(x, y, {.callbacks = {std::make_shared<keel::callbacks::PlotLogger>("run.svg")}});
//   keel::write_file_atomically("run.svg", keel::history_svg(history.history, "my run"));
//
// One panel per quantity — the loss first, then each metric in name order — holding its
// training series and, when the history has one, its validation series (`val_` + name),
// against the epoch (counted from 1, as the progress bar does). Each series is one <path>
// with a point per finite value; each panel has axes with ticks at round values, a legend,
// and the picture the run's title. build/keel-plot draws what CSVLogger wrote.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace keel {

// The SVG document for `history` (quantity -> one value per epoch, as callbacks::History and
// CSVLogger hold it). ValueError for an empty history or series of different lengths.
std::string history_svg(const std::map<std::string, std::vector<double>>& history,
                        const std::string& title);

// The history in a file CSVLogger wrote: its header names the columns ("epoch" first, then
// the logs); an empty field is a missing value (NaN, not drawn). IOError for a file that
// cannot be read; ValueError naming the file, the line and the field for anything else.
std::map<std::string, std::vector<double>> read_history_csv(const std::string& path);

}  // namespace keel
