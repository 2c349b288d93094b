package io.mr1.trainer.run;

/** Bad configuration: the message names the file and the key's path (and the valid choices). */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file and key
     */
    public ConfigException(String message) {
        super(message);
    }
}
