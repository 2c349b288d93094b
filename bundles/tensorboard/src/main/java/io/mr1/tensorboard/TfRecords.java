package io.mr1.tensorboard;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing: {@code uint64 length, uint32 masked_crc32c(length), byte[length] data,
 * uint32 masked_crc32c(data)}, little-endian. The mask (rotate right by 15, add a constant) is
 * TensorFlow's, so that a CRC of data that itself holds CRCs stays well distributed.
 */
public final class TfRecords {

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {
    }

    /**
     * TensorFlow's masked CRC-32C.
     *
     * @param data the bytes
     * @param offset where they start
     * @param length how many
     * @return the masked checksum
     */
    public static int maskedCrc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /**
     * One framed record.
     *
     * @param data the record's payload
     * @return the bytes to append to the file
     */
    public static byte[] frame(byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(data.length);
        out.putInt(maskedCrc(out.array(), 0, 8));
        out.put(data);
        out.putInt(maskedCrc(data, 0, data.length));
        return out.array();
    }

    /**
     * Reads the next record.
     *
     * @param in the stream, at a record boundary
     * @return the payload, or null at a clean end of the stream
     * @throws EOFException if the stream ends inside a record (a torn last write)
     * @throws IOException if a checksum does not match
     */
    public static byte[] read(InputStream in) throws IOException {
        byte[] header = new byte[12];
        int n = in.readNBytes(header, 0, 12);
        if (n == 0) {
            return null;
        }
        if (n < 12) {
            throw new EOFException("record header cut short (" + n + " of 12 bytes)");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong();
        if (h.getInt() != maskedCrc(header, 0, 8)) {
            throw new IOException("record length checksum mismatch");
        }
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IOException("record length " + length + " out of range");
        }
        byte[] data = in.readNBytes((int) length);
        byte[] crc = in.readNBytes(4);
        if (data.length < length || crc.length < 4) {
            throw new EOFException("record cut short");
        }
        if (ByteBuffer.wrap(crc).order(ByteOrder.LITTLE_ENDIAN).getInt() != maskedCrc(data, 0, data.length)) {
            throw new IOException("record data checksum mismatch");
        }
        return data;
    }
}
