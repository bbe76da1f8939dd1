// Efficiency drift: see burst_drift.hpp and docs/drift-method.md. (In development: returns no
// findings yet.)
#include "burst_drift.hpp"

namespace uv::burst {

void validate(const DriftParams&) {}

CohortEfficiency cohort_efficiency(const std::vector<double>&) { return {}; }

DriftResult analyze_drift(const BucketsView& buckets, int64_t, const DriftParams& params, const CohortEfficiency&,
                          const std::vector<ExcusedSpan>&)
{
    validate(params);
    DriftResult r;
    r.total_tokens = buckets.total_tokens;
    return r;
}

}  // namespace uv::burst
