package io.mr1.console.internal;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.Charset;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 console}'s read-execute-print loop over one Gogo session; the launcher runs it
 * (a {@link Runnable} service with {@code mr1.console=loop}) once every command is registered.
 *
 * <p>Why not the Gogo shell's own console: it executes each line inside the job of its
 * {@code gosh} command, and Gogo runtime 1.1 adds such a nested job to its parent's children
 * for good, with the pipe and its stream buffers: about 50 KB per line, for ever. Here
 * every line is a top-level job of the session, which Gogo drops once it is done. The
 * shell bundle still provides the built-in commands (echo, cat, grep, each, ...), and its
 * profile (prompt, {@code exit}, the welcome) is read into this session the same way.
 */
@Component(service = Runnable.class, property = "mr1.console=loop")
public final class ConsoleLoop implements Runnable {

    /** Symbolic name of the bundle whose login profile the console reads. */
    static final String GOGO_SHELL = "org.apache.felix.gogo.shell";

    private final CommandProcessor processor;
    private final BundleContext context;
    /** Set when the component goes (the bundle or the framework stops: {@code stop 0}). */
    private volatile boolean deactivated;

    /**
     * @param processor Gogo's command processor
     * @param context this bundle's context, to find the shell's profile
     */
    @Activate
    public ConsoleLoop(@Reference CommandProcessor processor, BundleContext context) {
        this.processor = processor;
        this.context = context;
    }

    /** The console bundle or the framework is stopping: the loop reads no further line. */
    @Deactivate
    void deactivate() {
        deactivated = true;
    }

    /**
     * Reads commands from stdin until end of input or until the framework stops (the launcher
     * then returns without waiting for the loop); {@code exit N} ends the process itself.
     * The streams are the process's own file descriptors, as the Gogo shell takes them:
     * System.out is Gogo's per-thread redirection, which would write into itself.
     */
    @Override
    public void run() {
        run(new FileInputStream(FileDescriptor.in),
                new PrintStream(new FileOutputStream(FileDescriptor.out), true, Charset.defaultCharset()),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset()));
    }

    /**
     * Runs the loop on the given streams until the input ends.
     *
     * @param in commands, one a line
     * @param out results and the prompt
     * @param err errors
     */
    void run(InputStream in, PrintStream out, PrintStream err) {
        CommandSession session = processor.createSession(in, out, err);
        try {
            URL profile = profile();
            if (profile != null) {
                // The shell's login profile: the prompt, `exit` (System.exit) and the welcome text.
                execute(session, "source '" + profile + "'", out);
            }
            while (!deactivated) {
                out.print(prompt(session));
                out.flush();
                String line = readLine(in);
                if (line == null) {
                    out.println();
                    return;
                }
                if (!line.isBlank()) {
                    execute(session, line, out);
                }
            }
        } catch (IOException e) {
            err.println("mr1 console: cannot read the input: " + e.getMessage());
        } finally {
            session.close();
        }
    }

    /** The Gogo shell's own login profile ({@code gosh_profile} in its bundle), if it is installed. */
    private URL profile() {
        for (Bundle bundle : context.getBundles()) {
            if (GOGO_SHELL.equals(bundle.getSymbolicName())) {
                return bundle.getEntry("gosh_profile");
            }
        }
        return null;
    }

    private static void execute(CommandSession session, String line, PrintStream out) {
        try {
            Object result = session.execute(line);
            if (result != null && !Boolean.FALSE.equals(session.get(".Gogo.format"))) {
                out.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            session.put("exception", e);
            out.println("gogo: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        out.flush();
    }

    /**
     * One line, read a byte at a time: a command that reads the keyboard itself (cat) must
     * find the rest of the input still there, not in a reader's buffer.
     */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        String text = line.toString(Charset.defaultCharset());
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static String prompt(CommandSession session) {
        Object prompt = session.get("prompt");
        return prompt == null ? "g! " : prompt.toString();
    }
}
