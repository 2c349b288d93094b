package io.mr1.benchmarks;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PyTorch-eager peer ({@code src/main/python/torch_peer.py}) as a long-lived Python
 * subprocess: one JSON command per line on its stdin, one JSON answer per line on its stdout,
 * so its start-up is never timed and its calls can be interleaved with mr1's. {@link #start}
 * finds or sets up a Python with torch (a venv under {@code target/} installed by pip from the
 * machine's configured package sources) and says why when it cannot.
 */
public final class TorchPeer implements AutoCloseable {

    /** Python or torch is not there and could not be set up; the message says what is missing. */
    public static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private static final Gson GSON = new Gson();

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final String python;

    private TorchPeer(Process process, String python) {
        this.process = process;
        Host.HELPERS.add(process.pid()); // its CPU time is the benchmark's, not another process's
        this.python = python;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** @return the interpreter the peer runs on */
    public String python() {
        return python;
    }

    /**
     * Starts the peer: {@code python} when given, else a {@code python3} on the PATH that already
     * has torch, else the venv {@code venv} (created, and torch installed into it, when missing).
     *
     * @param script the peer script
     * @param python an interpreter to use as is, or null
     * @param venv the venv folder to use or create
     * @param torchSpec what pip installs (a requirement or a wheel file), or null to choose: a CPU
     *     wheel of torch in pip's find-links folders if there is one (this is a CPU benchmark), else {@code torch}
     * @param log where progress lines go
     * @return the running peer
     * @throws Unavailable when there is no Python, no venv module, or torch cannot be installed
     */
    public static TorchPeer start(Path script, String python, Path venv, String torchSpec,
                                  java.util.function.Consumer<String> log) throws Unavailable {
        String interpreter = python != null ? python : findPython(venv, torchSpec, log);
        if (!hasTorch(interpreter)) {
            throw new Unavailable(interpreter + " cannot import torch");
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(interpreter, "-u", script.toAbsolutePath().toString());
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            return new TorchPeer(pb.start(), interpreter);
        } catch (IOException e) {
            throw new Unavailable("cannot start " + interpreter + ": " + e.getMessage());
        }
    }

    private static String findPython(Path venv, String torchSpec, java.util.function.Consumer<String> log)
            throws Unavailable {
        Path venvPython = venv.resolve("bin").resolve("python");
        if (Files.isExecutable(venvPython) && hasTorch(venvPython.toString())) {
            return venvPython.toString();
        }
        if (!runs(List.of("python3", "--version"), 30)) {
            throw new Unavailable("python3 is not on the PATH");
        }
        if (hasTorch("python3")) {
            return "python3";
        }
        if (!Files.isExecutable(venvPython)) {
            log.accept("creating " + venv + " for the PyTorch peer");
            if (!runs(List.of("python3", "-m", "venv", venv.toString()), 300)) {
                throw new Unavailable("python3 -m venv " + venv + " failed (is the venv module installed?)");
            }
        }
        String spec = torchSpec != null ? torchSpec : localCpuWheel(venvPython).orElse("torch");
        log.accept("installing " + spec + " into " + venv + " with pip (the machine's package sources; a minute or two)");
        List<String> pip = new ArrayList<>(List.of(venvPython.toString(), "-m", "pip", "install", "--quiet",
                "--retries", "0", "--timeout", "20", spec));
        if (!runs(pip, 1800)) {
            throw new Unavailable("pip could not install " + spec + " into " + venv
                    + " (no network or package mirror with torch?)");
        }
        return venvPython.toString();
    }

    /** A torch CPU wheel for this Python in pip's find-links folders (PIP_FIND_LINKS or pip config). */
    static java.util.Optional<String> localCpuWheel(Path venvPython) {
        List<String> folders = new ArrayList<>();
        String env = System.getenv("PIP_FIND_LINKS");
        if (env != null) {
            folders.addAll(List.of(env.trim().split("\\s+")));
        }
        String config = output(List.of(venvPython.toString(), "-m", "pip", "config", "get", "global.find-links"));
        if (config != null) {
            folders.addAll(List.of(config.trim().split("\\s+")));
        }
        String tag = output(List.of(venvPython.toString(), "-c",
                "import sys; print('cp%d%d' % sys.version_info[:2])"));
        if (tag == null) {
            return java.util.Optional.empty();
        }
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        for (String folder : folders) {
            Path dir = Path.of(folder.replaceFirst("^file://", ""));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                java.util.Optional<String> wheel = files.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("torch-") && n.contains("+cpu-") && n.contains("-" + tag.trim() + "-")
                                && n.endsWith(".whl") && n.contains(arch))
                        .sorted().reduce((a, b) -> b).map(n -> dir.resolve(n).toString());
                if (wheel.isPresent()) {
                    return wheel;
                }
            } catch (IOException e) {
                // an unreadable folder has no wheel for us
            }
        }
        return java.util.Optional.empty();
    }

    private static boolean hasTorch(String python) {
        return runs(List.of(python, "-c", "import torch"), 120);
    }

    private static boolean runs(List<String> command, long seconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String output(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? text : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Sends one command and waits for its answer.
     *
     * @param command the command's fields ({@code cmd} and its arguments)
     * @return the answer
     * @throws IOException when the peer died or answered with an error
     */
    public JsonObject call(Map<String, Object> command) throws IOException {
        in.write(GSON.toJson(command));
        in.newLine();
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the PyTorch peer ended (exit " + (process.isAlive() ? "?" : process.exitValue())
                    + ") during " + command.get("cmd"));
        }
        JsonObject answer = GSON.fromJson(line, JsonObject.class);
        if (answer.has("error")) {
            throw new IOException("the PyTorch peer failed " + command.get("cmd") + ": " + answer.get("error").getAsString());
        }
        return answer;
    }

    @Override
    public void close() {
        Host.HELPERS.remove(process.pid());
        try {
            in.write("{\"cmd\": \"quit\"}");
            in.newLine();
            in.flush();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
