#include "common.hpp"

namespace uv {

namespace {
InterruptHook interrupt_hook = nullptr;
}

void set_interrupt_hook(InterruptHook hook) noexcept { interrupt_hook = hook; }

void check_interrupts()
{
    if (interrupt_hook != nullptr)
        interrupt_hook();
}

}  // namespace uv
