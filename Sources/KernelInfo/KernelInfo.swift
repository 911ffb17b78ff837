// KernelInfo
