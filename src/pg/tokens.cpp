// SQL face of the token normalisation across telemetry sources.
#include "core/tokens.hpp"
#include "pg/glue.hpp"

// billable_tokens(input, output, cache_read, cache_creation, convention): NULL counts are zero
// (a source without cache columns passes NULL); all four NULL gives NULL; convention is required.
UV_FUNCTION(billable_tokens)
{
    if (PG_ARGISNULL(0) && PG_ARGISNULL(1) && PG_ARGISNULL(2) && PG_ARGISNULL(3))
        PG_RETURN_NULL();
    if (PG_ARGISNULL(4))
        throw uv::Error(uv::ErrorKind::InvalidParameter, "convention must not be NULL");
    const char* name = text_to_cstring(PG_GETARG_TEXT_PP(4));
    const uv::CacheConvention convention = uv::parse_cache_convention(name);
    auto count = [fcinfo](int i) { return PG_ARGISNULL(i) ? int64(0) : PG_GETARG_INT64(i); };
    PG_RETURN_INT64(uv::billable_tokens(count(0), count(1), count(2), count(3), convention));
}
