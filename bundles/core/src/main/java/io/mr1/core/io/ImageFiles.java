package io.mr1.core.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks an image file cheaply, before a run writes anything: its header gives a format and a
 * size (no pixel is decoded), the size is within a pixel limit (a 20000 x 20000 PNG would take
 * 1.6 GB to decode), and a PNG or JPEG ends the way a complete file ends (IEND chunk, EOI
 * marker), which finds the truncated files that would otherwise fail only when drawn. The one
 * check every reader of image data uses (the R1-V loader, a run's preparation).
 */
public final class ImageFiles {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    private ImageFiles() {
    }

    /**
     * What is wrong with an image's header: no format or size could be read from it, or the size
     * is empty. Reads the header only.
     *
     * @param image the file
     * @return null when the header is fine, otherwise the problem in words
     */
    public static String headerProblem(Path image) {
        long[] size = new long[2];
        String problem = readSize(image, size);
        return problem != null ? problem : size[0] <= 0 || size[1] <= 0 ? "empty image" : null;
    }

    /**
     * What is wrong with an image: its header (see {@link #headerProblem}), its size against a
     * pixel limit, or its ending (a truncated PNG or JPEG).
     *
     * @param image the file
     * @param maxPixels the largest width x height accepted
     * @param limitName what the limit is called where the user sets it (a config key), for the message
     * @return null when it is fine, otherwise the problem in words
     */
    public static String problem(Path image, long maxPixels, String limitName) {
        long[] size = new long[2];
        String problem = readSize(image, size);
        if (problem != null) {
            return problem;
        }
        long width = size[0];
        long height = size[1];
        if (width <= 0 || height <= 0) {
            return "empty image";
        }
        if (width * height > maxPixels) {
            return String.format(Locale.ROOT, "%d x %d = %,d pixels is above %s (%,d); shrink the"
                    + " image or raise the limit", width, height, width * height, limitName, maxPixels);
        }
        return truncation(image);
    }

    /** Reads width and height from the header into size; returns the problem, or null. */
    private static String readSize(Path image, long[] size) {
        try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
            if (in == null) {
                return "cannot open the file";
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return "unknown image format";
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                size[0] = reader.getWidth(0);
                size[1] = reader.getHeight(0);
                return null;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return "unreadable header (" + (e.getMessage() == null ? e : e.getMessage()) + ")";
        }
    }

    /** A PNG must end with its IEND chunk, a JPEG with its EOI marker (trailing zero padding allowed). */
    private static String truncation(Path image) {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            long length = file.length();
            byte[] head = new byte[(int) Math.min(8, length)];
            file.readFully(head);
            int tailLength = (int) Math.min(4096, length);
            byte[] tail = new byte[tailLength];
            file.seek(length - tailLength);
            file.readFully(tail);
            if (Arrays.equals(head, PNG_SIGNATURE)) {
                return endsWith(tail, PNG_END) ? null : "truncated PNG (the file does not end with its IEND chunk)";
            }
            if (head.length >= 2 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8) {
                int end = tail.length;
                while (end > 0 && tail[end - 1] == 0) {
                    end--;
                }
                boolean eoi = end >= 2 && (tail[end - 2] & 0xff) == 0xFF && (tail[end - 1] & 0xff) == 0xD9;
                return eoi ? null : "truncated JPEG (the file does not end with an EOI marker)";
            }
            return null;
        } catch (IOException e) {
            return "cannot read the file (" + e.getMessage() + ")";
        }
    }

    private static boolean endsWith(byte[] data, byte[] suffix) {
        if (data.length < suffix.length) {
            return false;
        }
        return Arrays.equals(data, data.length - suffix.length, data.length, suffix, 0, suffix.length);
    }
}
