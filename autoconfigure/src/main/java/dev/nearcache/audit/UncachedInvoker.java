package dev.nearcache.audit;

import java.lang.reflect.Method;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.aopalliance.aop.Advice;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.cache.interceptor.CacheInterceptor;

import dev.nearcache.cache.CacheFillAdvisor;
import dev.nearcache.cache.FillCompletionAdvisor;

/**
 * Invokes a {@code @Cacheable} method again without its cache but with the rest of its advice — its
 * {@code @Transactional}, {@code @PreAuthorize}, retry and any other interceptor — by a second proxy over the same
 * target, with the same advisors less the caching ones (Spring's cache interceptor, JSR-107's, and nearcache's
 * own). Calling the target directly would skip that advice: a read outside its transaction, lazy loading without a
 * session, a method its security check would have refused.
 * <p>
 * One such proxy per proxied bean, made at its first sampled hit and held weakly.
 */
final class UncachedInvoker {

	private static final String JCACHE_INTERCEPTOR = "org.springframework.cache.jcache.interceptor.JCacheInterceptor";

	private final Cache<Object, Object> uncachedProxies = Caffeine.newBuilder().weakKeys().build();

	/**
	 * Invoke a method on the uncached twin of a proxy.
	 * @param proxy the proxy whose hit was sampled
	 * @param method the method
	 * @param args the arguments (a copy)
	 * @return the method's result
	 * @throws Throwable what the method threw
	 */
	@Nullable Object invoke(Advised proxy, Method method, @Nullable Object[] args) throws Throwable {
		Object uncached = this.uncachedProxies.get(proxy, (key) -> uncachedTwin(proxy));
		return AopUtils.invokeJoinpointUsingReflection(uncached, method, args);
	}

	private static Object uncachedTwin(Advised proxy) {
		ProxyFactory factory = new ProxyFactory();
		factory.setProxyTargetClass(proxy.isProxyTargetClass());
		factory.setExposeProxy(proxy.isExposeProxy());
		factory.setTargetSource(proxy.getTargetSource());
		factory.setInterfaces(proxy.getProxiedInterfaces());
		for (Advisor advisor : proxy.getAdvisors()) {
			if (!isCaching(advisor)) {
				factory.addAdvisor(advisor);
			}
		}
		return factory.getProxy(proxy.getClass().getClassLoader());
	}

	private static boolean isCaching(Advisor advisor) {
		if (advisor instanceof CacheFillAdvisor || advisor instanceof FillCompletionAdvisor
				|| advisor instanceof CacheAuditAdvisor) {
			return true;
		}
		Advice advice = advisor.getAdvice();
		return advice instanceof CacheInterceptor || advice.getClass().getName().equals(JCACHE_INTERCEPTOR);
	}

}
