package org.apboot.core.image;

/**
 * A guest image, trampoline blob or boot-parameter request that cannot be used. The message is one
 * line naming the file or value and the problem; callers show it as is.
 */
public final class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message, null, false, false);
    }
}
