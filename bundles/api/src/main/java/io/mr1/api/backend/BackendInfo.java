package io.mr1.api.backend;

import java.util.List;

/**
 * Facts a backend reports about itself, as shown by {@code mr1 doctor}.
 *
 * @param engine engine name, e.g. {@code PyTorch}
 * @param engineVersion engine version, e.g. {@code 2.7.1}
 * @param flavour native flavour, e.g. {@code cpu} or {@code cu128}
 * @param devices devices the engine sees, e.g. {@code [cpu, cuda:0]}
 * @param problem null when the engine loaded, otherwise why it did not
 */
public record BackendInfo(String engine, String engineVersion, String flavour, List<String> devices,
                          String problem) {
    /** Copies the device list. */
    public BackendInfo {
        devices = List.copyOf(devices);
    }
}
