// keel-plot: a training run's curves as an SVG picture (models/plot.h).
//
//   keel-plot HISTORY.csv OUT.svg [--title TITLE]
//
// HISTORY.csv is what callbacks::CSVLogger writes (epoch, then one column per log); OUT.svg
// gets a panel per quantity (loss first), training and validation series, axes, ticks and a
// legend, written atomically. The title defaults to the CSV file's name.
//
// Exit status: 0 success; 1 a bad file, one line on stderr naming it; 2 a usage error.
#include <keel/core/atomic_file.h>
#include <keel/models/plot.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string title;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--title" && i + 1 < args.size()) {
      title = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i + 2));
      break;
    }
  if (args.size() != 2 || args[0].rfind("--", 0) == 0 || args[1].rfind("--", 0) == 0) {
    std::fprintf(stderr, "usage: keel-plot HISTORY.csv OUT.svg [--title TITLE]\n");
    return 2;
  }
  try {
    if (title.empty()) title = std::filesystem::path(args[0]).stem().string();
    keel::write_file_atomically(args[1], keel::history_svg(keel::read_history_csv(args[0]), title));
    return 0;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::fprintf(stderr, "keel-plot: %s\n", message.c_str());
    return 1;
  }
}
