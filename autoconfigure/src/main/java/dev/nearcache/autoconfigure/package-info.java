/**
 * Auto-configuration of nearcache and its {@code nearcache.*} properties.
 */
@NullMarked
package dev.nearcache.autoconfigure;

import org.jspecify.annotations.NullMarked;
