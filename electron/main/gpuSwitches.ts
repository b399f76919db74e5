/**
 * Chromium switches the window needs for WebGPU where Chromium keeps it off by default: on Linux,
 * WebGPU runs on Vulkan and only behind `enable-unsafe-webgpu`. macOS and Windows have it on. A
 * window without an adapter still opens; its run form says why WebGPU is unavailable.
 */

/** The switches (name, value) to append for a platform, before the app is ready. */
export function gpuSwitches(platform: NodeJS.Platform): [string, string?][] {
  return platform === 'linux' ? [['enable-unsafe-webgpu'], ['enable-features', 'Vulkan']] : [];
}
