// Small helpers shared by the benchmark programs: --name=value flags, exact quantiles,
// and number formatting for the markdown tables they print.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace latencyd::bench {

// Flags of the form --name=value; --help prints `usage` and the defaults, then exits 0.
class Flags {
 public:
  // `defaults` maps each accepted name to its default value; an unknown flag exits 2.
  Flags(int argc, char** argv, const std::string& usage,
        std::map<std::string, std::string> defaults);
  std::string Str(const std::string& name) const { return values_.at(name); }
  double Num(const std::string& name) const;
  int Int(const std::string& name) const { return static_cast<int>(Num(name)); }
  std::vector<int> IntList(const std::string& name) const;  // comma-separated

 private:
  std::map<std::string, std::string> values_;
};

// The whole main() of a bench program: parses the flags (`defaults`, as for Flags), runs `run`
// and reports an exception as "<program>: <what>" on stderr with exit status 1.
int RunBench(const char* program, int argc, char** argv, const std::string& usage,
             std::map<std::string, std::string> defaults, int (*run)(const Flags& flags));

// The q-quantile of `values` by linear interpolation between order statistics (numpy's
// default, the definition latencyd exports). NaN when empty. Sorts `values`.
double Quantile(std::vector<double>& values, double q);

// "123.4" (fixed, `digits` decimals); "n/a" for NaN or negative sentinels.
std::string Fixed(double value, int digits);
// "1.23x"
std::string Ratio(double numerator, double denominator);
// Load averages from /proc/loadavg, e.g. "0.52 0.40 0.31".
std::string LoadAverage();
// "2 x AMD EPYC" from nproc and /proc/cpuinfo.
std::string MachineSummary();
// UTC now, ISO 8601.
std::string UtcNow();
// Sleeps for `seconds`.
void SleepSeconds(double seconds);

}  // namespace latencyd::bench
