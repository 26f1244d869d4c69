using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class PerfIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Cases_Requester",
                table: "Cases");

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_DecidedBy",
                table: "Tasks",
                column: "DecidedBy");

            migrationBuilder.CreateIndex(
                name: "IX_Cases_CreatedAt_Id",
                table: "Cases",
                columns: new[] { "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Cases_Requester_CreatedAt_Id",
                table: "Cases",
                columns: new[] { "Requester", "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tasks_DecidedBy",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_Cases_CreatedAt_Id",
                table: "Cases");

            migrationBuilder.DropIndex(
                name: "IX_Cases_Requester_CreatedAt_Id",
                table: "Cases");

            migrationBuilder.CreateIndex(
                name: "IX_Cases_Requester",
                table: "Cases",
                column: "Requester");
        }
    }
}
