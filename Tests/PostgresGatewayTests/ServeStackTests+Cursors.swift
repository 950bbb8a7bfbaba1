import Foundation
import PostgresTestSupport
import Testing

/// Server-side cursors of real drivers against a rule for their query, as against PostgreSQL 15: psycopg's and
/// psycopg2's named cursors, Django's `.iterator(chunk_size=…)`, psql's DECLARE and FETCH.
extension ServeStackTests {
    @Test func namedCursorsOfDriversFetchTheRulesRows() async throws {
        let script = try Self.file(
            "cursors.yaml",
            #"""
            unmatched: error
            rules:
              - match: "select id from big"
                columns: [{name: id, type: int4}]
                rows: [[1], [2], [3], [4], [5]]
              - match: 'SELECT "django_content_type"."id", "django_content_type"."app_label", "django_content_type"."model" FROM "django_content_type"'
                columns: [{name: id, type: int4}, {name: app_label, type: varchar}, {name: model, type: varchar}]
                rows: [[1, auth, user], [2, auth, group], [3, contenttypes, contenttype]]
            """#)
        let server = try await ServeProcess(
            ["--script", script, "--verify", "--unmatched", "error"], capturingStandardError: true)
        let outcome = try await Self.run(
            "python3",
            [
                "-c",
                """
                import os, psycopg, psycopg2, django
                dsn = f"host=127.0.0.1 port={os.environ['PGPORT']} user=alice dbname=app"
                with psycopg.connect(dsn) as c:
                    with c.cursor("sc") as cursor:
                        cursor.execute("select id from big")
                        print("psycopg", cursor.fetchone(), cursor.fetchmany(2), cursor.fetchall())
                    with c.cursor("held", withhold=True, scrollable=True) as cursor:
                        cursor.execute("select id from big")
                        cursor.scroll(3, mode="absolute")
                        print("psycopg scroll", cursor.fetchone())
                c = psycopg2.connect(dsn)
                cursor = c.cursor("named")
                cursor.execute("select id from big")
                print("psycopg2", cursor.fetchmany(3), cursor.fetchall())
                cursor.close()
                c.commit()
                from django.conf import settings
                settings.configure(
                    DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                           "PORT": os.environ["PGPORT"], "NAME": "app", "USER": "alice"}},
                    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"], USE_TZ=True)
                django.setup()
                from django.contrib.contenttypes.models import ContentType
                print("django", [t.model for t in ContentType.objects.all().iterator(chunk_size=2)])
                """,
            ], port: server.port)
        #expect(
            outcome.standardOutput == """
                psycopg (1,) [(2,), (3,)] [(4,), (5,)]
                psycopg scroll (4,)
                psycopg2 [(1,), (2,), (3,)] [(4,), (5,)]
                django ['user', 'group', 'contenttype']

                """, "\(outcome)")
        let psql = try await Self.run(
            "psql",
            [
                "-X", "-At", "-c",
                "begin; declare c cursor for select id from big; fetch 2 c; move 1 c; fetch all c; commit",
                "-c", "fetch c",
            ], port: server.port)
        // As PostgreSQL 15's psql prints it.
        #expect(psql.standardOutput == "BEGIN\nDECLARE CURSOR\n1\n2\nMOVE 1\n4\n5\nCOMMIT\n", "\(psql)")
        #expect(psql.standardError.contains("ERROR:  cursor \"c\" does not exist"), "\(psql)")
        server.send(SIGTERM)
        try #require(try await server.waitForExit(seconds: 60), "it did not exit: its status cannot be read")
        let report = try server.standardErrorAfterExit()
        #expect(server.process.terminationStatus == 0, "\(report)")
    }
}
