import java.io.InputStream;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local as `npm start` runs it (infra/local/dynamodb.ts compiles this once into
 * node_modules/.cache and passes DynamoDB Local's own options through). DynamoDBLocal.jar has
 * no host option and listens on every interface; this binds its Jetty connector to 127.0.0.1 before it starts, so the local
 * database is reachable from this machine only. It also exits when its stdin closes: the
 * gateway holds the other end, so DynamoDB Local never outlives the gateway, however the
 * gateway ends. Telemetry is never configured here, so none is sent.
 */
public class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    Thread watchParent = new Thread(() -> {
      try {
        InputStream in = System.in;
        while (in.read() != -1) {
          // nothing is sent on stdin: only its end matters
        }
      } catch (Exception ignored) {
        // a broken pipe means the same as its end
      }
      System.exit(0);
    });
    watchParent.setDaemon(true);
    watchParent.start();
    proxy.start();
  }
}
